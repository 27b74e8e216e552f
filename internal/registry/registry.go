// Package registry runs the embedded OCI registry of the local default:
// distribution's registry with filesystem storage in a data directory,
// served over plain HTTP on loopback, without auth, with immutable tags,
// deletes by digest only and garbage collection of unused blobs.
package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/distribution/distribution/v3/registry/storage"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// DefaultAddr is where the registry listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:5000"

const (
	// readyTimeout bounds how long Start waits for the registry to answer.
	readyTimeout = 30 * time.Second
	// stopTimeout is how long Stop lets requests in flight finish.
	stopTimeout = 10 * time.Second
)

// Options configures a registry.
type Options struct {
	// Dir is the storage root. It is created if missing, and what is pushed
	// there is served again after a restart on the same Dir.
	Dir string
	// Addr is the loopback host:port to listen on: DefaultAddr if empty;
	// port 0 picks a free port; an empty host means 127.0.0.1.
	Addr string
	// Logger receives the registry's warnings and errors; slog.Default() if nil.
	Logger *slog.Logger
	// BlobGrace is how long garbage collection spares a blob no manifest
	// uses after it was stored: a push uploads its blobs before its
	// manifest, in separate requests. Zero means DefaultBlobGrace; a
	// negative value spares none.
	BlobGrace time.Duration
}

// DefaultBlobGrace is the BlobGrace of a registry that sets none: far
// longer than any push takes.
const DefaultBlobGrace = time.Hour

// Registry is a running registry. Stop it when done.
type Registry struct {
	host    string
	handler http.Handler
	server  *http.Server
	app     *handlers.App
	logger  *slog.Logger
	cancel  context.CancelFunc // ends the registry's background work
	unroute func()             // detaches Logger from distribution's logs
	work    sync.WaitGroup     // the server and the upload purge

	// store and driver reach the storage app serves: tagGuard reads tags
	// through store, and CollectGarbage marks and sweeps through both.
	store  distribution.Namespace
	driver storagedriver.StorageDriver
	// gc is held for reading by every write request and for writing by
	// CollectGarbage, so garbage collection waits for writes in flight and
	// writes wait for garbage collection.
	gc sync.RWMutex

	stopOnce sync.Once
	stopErr  error
	// grace spares blobs stored this recently from garbage collection.
	grace time.Duration
}

// Start starts a registry and returns once it answers GET /v2/.
// ctx bounds the start only; the registry runs until Stop.
func Start(ctx context.Context, o Options) (*Registry, error) {
	if o.Dir == "" {
		return nil, errors.New("registry: no storage directory: set Options.Dir")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("registry: storage directory %s: %w", o.Dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("registry: create storage directory: %w", err)
	}
	addr, err := loopbackAddr(o.Addr)
	if err != nil {
		return nil, err
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}

	id, err := instanceID()
	if err != nil {
		return nil, err
	}
	unroute := logs.route(id, logger)
	base, cancel := context.WithCancel(withInstanceID(context.WithoutCancel(ctx), id))
	fail := func(err error) (*Registry, error) {
		cancel()
		unroute()
		return nil, err
	}

	driver, err := filesystem.FromParameters(map[string]any{"rootdirectory": dir})
	if err != nil {
		return fail(fmt.Errorf("registry: storage in %s: %w", dir, err))
	}
	store, err := storage.NewRegistry(base, driver)
	if err != nil {
		return fail(fmt.Errorf("registry: storage in %s: %w", dir, err))
	}
	app, err := newApp(base, dir)
	if err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(fmt.Errorf("registry: listen on %s (is another registry running there? use port 0 for a free one): %w", addr, err))
	}

	r := &Registry{
		host:    ln.Addr().String(),
		app:     app,
		logger:  logger,
		cancel:  cancel,
		unroute: unroute,
		store:   store,
		driver:  driver,
		grace:   o.BlobGrace,
	}
	if r.grace == 0 {
		r.grace = DefaultBlobGrace
	}
	api := r.holdOffGC(&tagGuard{next: deleteGuard{next: app}, tags: store})
	r.handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Requests carry the instance id so that distribution's logs
		// about them reach this registry's Logger.
		req = req.WithContext(withInstanceID(req.Context(), id))
		// Outside holdOffGC: a POST there would otherwise wait for itself.
		if req.URL.Path == GCPath {
			r.serveGC(w, req)
			return
		}
		api.ServeHTTP(w, req)
	})
	r.server = &http.Server{
		Handler:           r.handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	r.work.Go(func() {
		if err := r.server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("registry stopped serving", "registry", r.host, "err", err)
		}
	})
	r.work.Go(func() { purgeUploads(base, driver, logger) })

	if err := r.waitReady(ctx); err != nil {
		return nil, errors.Join(err, r.Stop())
	}
	return r, nil
}

// Host returns the registry's host:port, as used in image references
// ("127.0.0.1:5000/shop/api@sha256:...").
func (r *Registry) Host() string { return r.host }

// Handler returns the registry's HTTP handler: immutable tags, deletes by
// digest only, and garbage collection on POST GCPath included.
func (r *Registry) Handler() http.Handler { return r.handler }

// Stop lets requests in flight finish, for a while, then stops the
// registry. Later calls return the first call's result.
func (r *Registry) Stop() error {
	r.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		err := r.server.Shutdown(ctx)
		if err != nil {
			err = errors.Join(err, r.server.Close())
		}
		r.cancel()
		r.work.Wait()
		err = errors.Join(err, r.app.Shutdown())
		r.unroute()
		if err != nil {
			r.stopErr = fmt.Errorf("registry %s: stop: %w", r.host, err)
		}
	})
	return r.stopErr
}

// newApp builds distribution's application, which panics on a bad
// configuration.
func newApp(ctx context.Context, dir string) (app *handlers.App, err error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("registry: upload secret: %w", err)
	}
	config := &configuration.Configuration{}
	config.Storage = configuration.Storage{
		"filesystem": configuration.Parameters{"rootdirectory": dir},
		// Retention removes an old release image by deleting its manifest
		// by digest; distribution then drops the tags that pointed at it,
		// and CollectGarbage frees its blobs. A dropped tag could be pushed
		// again with other content, but the tags that name releases carry
		// a build number and a commit, so they are never reused. Deleting
		// a tag itself, or a blob, is refused (see deleteGuard).
		"delete": configuration.Parameters{"enabled": true},
		// Blobs are served by the registry itself, never by redirect.
		"redirect": configuration.Parameters{"disable": true},
		// distribution's purger sleeps in a goroutine nothing can stop;
		// Start purges once instead (see purgeUploads).
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		// No "cache": distribution's in-memory blob descriptor cache is
		// out of reach, so CollectGarbage could not clear it, and it would
		// go on reporting deleted blobs as present. A push would then skip
		// uploading a layer that is gone, and distribution would accept a
		// manifest whose blob is missing. A stat on local disk is cheap.
	}
	// Signs upload state; uploads do not survive a restart anyway.
	config.HTTP.Secret = string(secret)
	// No notifications, redis, auth, proxy, debug server or tracing: the
	// zero configuration leaves them off, so nothing leaves the machine.

	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("registry: configure distribution: %v", p)
		}
	}()
	return handlers.NewApp(ctx, config), nil
}

// waitReady polls GET /v2/ until the registry answers 200.
func (r *Registry) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	transport := &http.Transport{} // no proxy: the registry is on loopback
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	url := "http://" + r.host + "/v2/"
	for {
		err := get(ctx, client, url)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("registry %s: not answering GET /v2/: %w", r.host, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// loopbackAddr checks that addr is on loopback: the registry serves plain
// HTTP without auth, so it must not be reachable from the network.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("registry: address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return "", fmt.Errorf("registry: address %q is not on loopback: the embedded registry serves plain HTTP without auth, so use 127.0.0.1 or [::1]", addr)
	}
	return net.JoinHostPort(host, port), nil
}

func instanceID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("registry: instance id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
