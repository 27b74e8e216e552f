// Package devserver runs a Temporal server and the Temporal Web UI inside the
// process, persisted in a SQLite file, for the local default and for tests.
// Nothing is downloaded and nothing calls out to the internet.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/temporal"
)

// Defaults for the zero Options.
const (
	DefaultFrontendAddr = "127.0.0.1:7233"
	DefaultUIAddr       = "127.0.0.1:8233"
	DefaultNamespace    = "default"
)

// retention is how long a namespace registered here keeps closed workflows:
// the release history feeds the DORA metrics, so keep it long.
const retention = 30 * 24 * time.Hour

// Options configure a Server. The zero value, with a DataDir, serves the
// frontend on 127.0.0.1:7233 and the UI on 127.0.0.1:8233.
type Options struct {
	// DataDir holds the SQLite database (temporal.db); created if missing.
	DataDir string
	// FrontendAddr is where the gRPC frontend listens, host:port. Port 0
	// picks a free port (see Server.FrontendAddr); an empty host is 127.0.0.1.
	FrontendAddr string
	// UIAddr is where the Web UI listens, host:port, as for FrontendAddr.
	UIAddr string
	// DisableUI turns the Web UI off.
	DisableUI bool
	// Namespace is registered, with 30 days of retention, if missing.
	Namespace string
	// SearchAttributes are custom search attributes to register in
	// Namespace; those already registered with the same type are kept.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is the least severe level logged; nil means slog.LevelWarn,
	// since the server is chatty.
	LogLevel slog.Leveler
}

// Server is a running Temporal server with its Web UI.
type Server struct {
	frontendAddr string
	temporal     temporal.Server
	ui           *webUI
	lock         *os.File
	logLevel     *stopLevel

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server and returns once the frontend answers and the
// namespace and search attributes are ready. Stop it with Server.Stop.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.DataDir == "" {
		return nil, errors.New("start Temporal dev server: no data directory given")
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: data directory %s: %w", o.DataDir, err)
	}
	frontendHost, frontendPort, err := splitAddr(o.FrontendAddr, DefaultFrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: frontend: %w", err)
	}
	uiHost, uiPort, err := splitAddr(o.UIAddr, DefaultUIAddr)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: web UI: %w", err)
	}
	namespace := o.Namespace
	if namespace == "" {
		namespace = DefaultNamespace
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	level := &stopLevel{base: o.LogLevel}
	if level.base == nil {
		level.base = slog.LevelWarn
	}
	logger = slog.New(minLevelHandler{min: level, next: logger.Handler()})

	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	lock, err := lockDir(dataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{lock: lock, logLevel: level}
	started := false
	defer func() {
		if !started {
			_ = s.Stop()
		}
	}()

	dbPath := filepath.Join(dataDir, dbFile)
	if err := ensureSchema(dbPath); err != nil {
		return nil, err
	}
	db := storeConfig(dbPath)
	if err := ensureNamespace(db, clusterName, namespace, retention, o.SearchAttributes); err != nil {
		return nil, err
	}
	p, err := pickPorts(frontendHost, frontendPort)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	s.frontendAddr = net.JoinHostPort(dialHost(frontendHost), strconv.Itoa(p.frontend))

	srv, err := temporal.NewServer(
		temporal.WithConfig(serverConfig(db, frontendHost, p)),
		temporal.ForServices(temporal.DefaultServices),
		staticHosts(frontendHost, p),
		temporal.WithLogger(serverLogger{slog: logger}),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start Temporal dev server on %s: %w", s.frontendAddr, err)
	}
	s.temporal = srv

	if err := prepare(ctx, s.frontendAddr, namespace, o.SearchAttributes, logger); err != nil {
		return nil, err
	}
	if !o.DisableUI {
		if s.ui, err = startUI(ctx, uiHost, uiPort, s.frontendAddr, namespace); err != nil {
			return nil, err
		}
	}
	started = true
	return s, nil
}

// FrontendAddr is the host:port of the gRPC frontend, for client.Options.HostPort.
func (s *Server) FrontendAddr() string {
	return s.frontendAddr
}

// UIURL is the address of the Web UI, such as http://localhost:8233, or ""
// when the UI is disabled.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Stop stops the UI and the server and releases the data directory. Every
// committed change is in the database file. Calling Stop again does nothing.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.logLevel.stopping.Store(true)
		if s.ui != nil {
			s.ui.stop()
		}
		if s.temporal != nil {
			if err := s.temporal.Stop(); err != nil {
				s.stopErr = fmt.Errorf("stop Temporal dev server: %w", err)
			}
		}
		_ = s.lock.Close()
	})
	return s.stopErr
}

// splitAddr parses a host:port listen address, def when addr is empty.
func splitAddr(addr, def string) (string, int, error) {
	if addr == "" {
		addr = def
	}
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("address %q: port %q is not a number from 0 to 65535", addr, portText)
	}
	if host == "" || host == "localhost" {
		host = loopback
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("address %q: host must be an IP address or localhost", addr)
	}
	return host, int(port), nil
}
