package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// shutdownTimeout bounds how long Close waits for requests under way.
const shutdownTimeout = 20 * time.Second

// Config configures a router served in this process.
type Config struct {
	// Dir holds the router's files: state.json, token, router.json. Required.
	Dir string
	// Listen is the traffic address; empty means 127.0.0.1:0. With port 0 the
	// router first tries the port it had before (from router.json), so the
	// service keeps its address across restarts.
	Listen string
	// Admin is the admin API address; it must be on loopback. Empty means
	// 127.0.0.1:0.
	Admin string
	// Records is how many request records to keep; zero means DefaultRecords.
	Records int
	// Logger receives start, stop, state changes and backend errors; nil
	// discards them.
	Logger *slog.Logger
}

// Server is a running router.
type Server struct {
	dir   string
	token string
	log   *slog.Logger
	lock  *os.File

	proxy   *proxy
	metrics *metrics

	traffic, admin *http.Server
	listen, adm    net.Listener
	serving        sync.WaitGroup

	mu    sync.Mutex // serializes state changes
	state State

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// Serve starts a router on cfg.Dir with the state saved there and returns
// once both listeners are up and router.json is written. The router stops
// when ctx is done or Close is called.
func Serve(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Dir == "" {
		return nil, errors.New("router: no directory given")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Admin == "" {
		cfg.Admin = "127.0.0.1:0"
	}
	if cfg.Records <= 0 {
		cfg.Records = DefaultRecords
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := checkLoopback(cfg.Admin); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create router directory: %w", err)
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: cfg.Dir, log: cfg.Logger, lock: lock, metrics: newMetrics(), closing: make(chan struct{})}
	if err := s.start(cfg); err != nil {
		s.abort()
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.closing:
		}
	}()
	return s, nil
}

func (s *Server) start(cfg Config) error {
	var err error
	if s.token, err = loadOrCreateToken(s.dir); err != nil {
		return err
	}
	if s.state, err = loadState(s.dir); err != nil {
		return err
	}
	s.proxy = &proxy{
		transport: newTransport(),
		records:   newRing(cfg.Records),
		none:      s.metrics.pool(poolNone, ""),
		log:       s.log,
		errorLog:  &errorLimiter{},
	}
	t, err := newTable(s.state, s.metrics, s.proxy.newBackend)
	if err != nil {
		return err
	}
	s.proxy.table.Store(t)

	if s.listen, err = listenReusing(cfg.Listen, s.dir); err != nil {
		return fmt.Errorf("listen for traffic on %s: %w", cfg.Listen, err)
	}
	if s.adm, err = net.Listen("tcp", cfg.Admin); err != nil {
		return fmt.Errorf("listen for admin on %s: %w", cfg.Admin, err)
	}
	errLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	s.traffic = &http.Server{Handler: s.proxy, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: errLog}
	s.admin = &http.Server{Handler: s.adminHandler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	s.serve(s.traffic, s.listen)
	s.serve(s.admin, s.adm)

	info := Info{PID: os.Getpid(), Listen: s.ListenAddr(), Admin: s.AdminAddr()}
	if err := writeJSON(s.dir, infoFile, info, 0o644); err != nil {
		return err
	}
	s.log.Info("router serving", "listen", info.Listen, "admin", info.Admin,
		"generation", s.state.Generation, "weight", s.state.Weight)
	return nil
}

func (s *Server) serve(srv *http.Server, l net.Listener) {
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("router listener failed", "addr", l.Addr().String(), "err", err)
		}
	}()
}

// listenReusing listens on addr; when its port is 0 it first tries the
// port of the previous run recorded in dir, so the service address is stable.
func listenReusing(addr, dir string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if port == "0" {
		if prev, err := readInfo(dir); err == nil && prev.Listen != "" {
			if _, prevPort, err := net.SplitHostPort(prev.Listen); err == nil && prevPort != "0" {
				if l, err := net.Listen("tcp", net.JoinHostPort(host, prevPort)); err == nil {
					return l, nil
				}
			}
		}
	}
	return net.Listen("tcp", addr)
}

// abort releases what a failed start took.
func (s *Server) abort() {
	for _, srv := range []*http.Server{s.traffic, s.admin} {
		if srv != nil {
			srv.Close()
		}
	}
	for _, l := range []net.Listener{s.listen, s.adm} {
		if l != nil {
			l.Close()
		}
	}
	s.serving.Wait()
	s.lock.Close()
}

// ListenAddr returns the traffic address, host:port.
func (s *Server) ListenAddr() string { return s.listen.Addr().String() }

// AdminAddr returns the admin API address, host:port.
func (s *Server) AdminAddr() string { return s.adm.Addr().String() }

// Client returns a client of this router's admin API.
func (s *Server) Client() Client { return Client{Admin: s.AdminAddr(), Token: s.token} }

// Close stops the router: it stops accepting connections, lets requests
// under way finish (for up to 20 seconds), and releases the directory.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, srv := range []*http.Server{s.traffic, s.admin} {
			wg.Go(func() {
				if err := srv.Shutdown(ctx); err != nil {
					errs[i] = err
					srv.Close()
				}
			})
		}
		wg.Wait()
		s.serving.Wait()
		s.proxy.transport.CloseIdleConnections()
		if err := s.lock.Close(); err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("stop router in %s: %w", s.dir, err)
		}
		s.log.Info("router stopped", "generation", s.currentState().Generation)
	})
	return s.closeErr
}

// currentState returns the state in force.
func (s *Server) currentState() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// setState makes next, which must be normalized, the state in force: saved
// first, then routed. A state equal to the current one changes nothing.
func (s *Server) setState(next State) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if next.equal(s.state) {
		return s.state, nil
	}
	next.Generation = s.state.Generation + 1
	t, err := newTable(next, s.metrics, s.proxy.newBackend)
	if err != nil {
		return State{}, err
	}
	if err := writeJSON(s.dir, stateFile, next, 0o644); err != nil {
		return State{}, err
	}
	s.state = next
	s.proxy.table.Store(t)
	s.log.Info("routing changed", "generation", next.Generation, "weight", next.Weight,
		"stable", poolSummary(next.Stable), "canary", poolSummary(next.Canary))
	return next, nil
}

func poolSummary(p *Pool) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s (%d backends)", p.Version, len(p.Backends))
}
