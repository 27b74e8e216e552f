// Package devserver runs a Temporal server and the Temporal Web UI inside the
// process, persisted in a SQLite file for the local default and the tests,
// or in PostgreSQL, where several servers form one cluster.
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
	// Unused, and not created, with DB.
	DataDir string
	// DB, if set, keeps everything in PostgreSQL instead: a URL such as
	// postgres://user:password@127.0.0.1:5432/temporal?sslmode=disable.
	// The database of the URL's path (temporal if none) and its
	// visibility database, NAME_visibility, are created if missing, and
	// their schemas set up or upgraded. Every server started on the same
	// database joins one cluster, so each needs its own ports (see
	// ClusterPorts). Query parameters (sslmode, sslrootcert,
	// connect_timeout...) go to the driver. A server opens at most 48
	// connections.
	DB string
	// ClusterAddr, with DB, is the IP address that the services behind
	// the frontend listen on and that the cluster's other servers reach
	// this one at; empty is 127.0.0.1, for servers on one machine. For
	// servers on several machines, give each machine's own address, and
	// have FrontendAddr listen on it or on 0.0.0.0.
	ClusterAddr string
	// ClusterPorts, with DB, fixes the ports of the services behind the
	// frontend, say for a firewall; zero ones are picked free.
	ClusterPorts ClusterPorts
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

// ClusterPorts are the listen ports of one server's services besides the
// frontend's, for a server on a shared database. Zero picks a free port.
type ClusterPorts struct {
	// History, Matching and Worker are the gRPC ports of those services.
	History, Matching, Worker int
	// The membership ports carry each service's gossip, through which the
	// servers on one database find each other. The database stores them
	// in 15 bits: at most 32767; free ones are picked from 10000 up.
	FrontendMembership, HistoryMembership, MatchingMembership, WorkerMembership int
}

// Server is a running Temporal server with its Web UI.
type Server struct {
	frontendAddr string
	temporal     temporal.Server
	ui           *webUI
	lock         *os.File
	logLevel     *stopLevel
	// leave, for a server in a cluster, removes it from the membership
	// table once it has stopped.
	leave func()

	stopOnce sync.Once
	stopErr  error
}

// Start starts a server and returns once the frontend answers and the
// namespace and search attributes are ready. With DB, it first waits for
// any other server starting on the same database. Stop it with Server.Stop.
func Start(ctx context.Context, o Options) (_ *Server, err error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var target *postgresTarget
	if o.DB != "" {
		if target, err = parsePostgresURL(o.DB); err != nil {
			return nil, fmt.Errorf("start Temporal dev server: %w", err)
		}
		// The server's drivers may quote a connection string.
		r := newRedactor(target.password)
		defer func() { err = r.err(err) }()
		logger = slog.New(redactHandler{r: r, next: logger.Handler()})
	} else if o.DataDir == "" {
		return nil, errors.New("start Temporal dev server: no data directory given")
	}
	top, err := listenTopology(o, target != nil)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	uiHost, uiPort, err := splitAddr(o.UIAddr, DefaultUIAddr)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: web UI: %w", err)
	}
	namespace := o.Namespace
	if namespace == "" {
		namespace = DefaultNamespace
	}
	level := &stopLevel{base: o.LogLevel}
	if level.base == nil {
		level.base = slog.LevelWarn
	}
	logger = slog.New(minLevelHandler{min: level, next: logger.Handler()})

	s := &Server{logLevel: level}
	started := false
	defer func() {
		if !started {
			_ = s.Stop()
		}
	}()

	var st *stores
	if target == nil {
		if st, s.lock, err = openSQLite(o.DataDir); err != nil {
			return nil, err
		}
	} else {
		session, err := openPostgres(ctx, target, serverLogger{slog: logger})
		if err != nil {
			return nil, fmt.Errorf("start Temporal dev server: %w", err)
		}
		// Held until the server serves: the next server on the database
		// starts after this one.
		defer session.close()
		st = postgresStores(target)
	}
	if err := ensureNamespace(st.dataStores[st.defaultStore].SQL, clusterName, namespace, retention, o.SearchAttributes); err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	p, err := pickPorts(top)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	s.frontendAddr = net.JoinHostPort(dialHost(top.frontendHost), strconv.Itoa(p.frontend))

	opts := []temporal.ServerOption{
		temporal.WithConfig(serverConfig(st, top, p)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(serverLogger{slog: logger}),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	}
	if !top.membership {
		opts = append(opts, staticHosts(top, p))
	}
	srv, err := temporal.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start Temporal dev server on %s: %w", s.frontendAddr, err)
	}
	s.temporal = srv
	if target != nil {
		s.leave = func() {
			leaveCluster(target, top.clusterHost, p.frontendMembership, p.historyMembership, p.matchingMembership, p.workerMembership)
		}
	}

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

// openSQLite takes the data directory, creating it if missing, and the
// SQLite database in it. Closing the returned file releases the directory.
func openSQLite(dataDir string) (*stores, *os.File, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("start Temporal dev server: data directory %s: %w", dataDir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("start Temporal dev server: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, dbFile)
	if err := ensureSchema(path); err != nil {
		_ = lock.Close()
		return nil, nil, err
	}
	return sqliteStores(storeConfig(path)), lock, nil
}

// listenTopology checks the listen addresses and ports of o. The services
// behind the frontend of a server alone on its database listen on the
// loopback interface; those of a cluster on the cluster address.
func listenTopology(o Options, cluster bool) (topology, error) {
	var top topology
	var err error
	if top.frontendHost, top.frontendPort, err = splitAddr(o.FrontendAddr, DefaultFrontendAddr); err != nil {
		return topology{}, fmt.Errorf("frontend: %w", err)
	}
	top.clusterHost = loopback
	if !cluster {
		if o.ClusterAddr != "" || o.ClusterPorts != (ClusterPorts{}) {
			return topology{}, errors.New("cluster address or ports given without a database URL: only servers on PostgreSQL form a cluster")
		}
		return top, nil
	}
	top.membership = true
	top.fixed = o.ClusterPorts
	if o.ClusterAddr != "" {
		host, _, err := splitAddr(net.JoinHostPort(o.ClusterAddr, "0"), "")
		if err != nil || net.ParseIP(host).IsUnspecified() {
			return topology{}, fmt.Errorf("cluster address %q: give the IP address the other servers reach this one at", o.ClusterAddr)
		}
		top.clusterHost = host
	}
	if ip := net.ParseIP(top.frontendHost); ip.IsLoopback() && !net.ParseIP(top.clusterHost).IsLoopback() {
		return topology{}, fmt.Errorf("frontend address %s is reachable from this machine only, but the cluster's other servers reach this one at %s: have the frontend listen on %s or 0.0.0.0",
			o.FrontendAddr, top.clusterHost, top.clusterHost)
	}
	seen := map[int]string{}
	for _, port := range []struct {
		name string
		n    int
		max  int
	}{
		{"frontend", top.frontendPort, 65535},
		{"history", o.ClusterPorts.History, 65535},
		{"matching", o.ClusterPorts.Matching, 65535},
		{"worker", o.ClusterPorts.Worker, 65535},
		{"frontend membership", o.ClusterPorts.FrontendMembership, maxMembershipPort},
		{"history membership", o.ClusterPorts.HistoryMembership, maxMembershipPort},
		{"matching membership", o.ClusterPorts.MatchingMembership, maxMembershipPort},
		{"worker membership", o.ClusterPorts.WorkerMembership, maxMembershipPort},
	} {
		switch {
		case port.n < 0 || port.n > port.max:
			return topology{}, fmt.Errorf("%s port %d is not a number from 0 to %d", port.name, port.n, port.max)
		case port.n == 0:
		case seen[port.n] != "":
			return topology{}, fmt.Errorf("%s and %s port are both %d; give each its own", seen[port.n], port.name, port.n)
		default:
			seen[port.n] = port.name
		}
	}
	return top, nil
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
// committed change is in the database. Calling Stop again does nothing.
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
			if s.leave != nil {
				s.leave()
			}
		}
		if s.lock != nil {
			_ = s.lock.Close()
		}
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
