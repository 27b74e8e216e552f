package devserver

import (
	"fmt"
	"net"
	"strconv"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/temporal"
)

const (
	// clusterName is persisted on first start and must never change.
	clusterName = "active"
	// storeName names the single SQLite data store in the server config.
	storeName = "sqlite"
	// loopback is where the internal services listen.
	loopback = "127.0.0.1"
)

// ports are the listen ports of the services in one server. The frontend's
// HTTP API serves Nexus and curl; the UI needs only gRPC.
type ports struct {
	frontend, frontendHTTP, history, matching, worker int
}

// pickPorts checks that the frontend port is free (the server exits the
// process when it cannot listen), resolves a zero frontend port, and picks
// free loopback ports for the internal services. All probe listeners stay
// open until every port is chosen, so no port is handed out twice.
func pickPorts(frontendHost string, frontendPort int) (ports, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	reserve := func(host string, port int) (int, error) {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return 0, fmt.Errorf("listen on %s: %w", addr, err)
		}
		listeners = append(listeners, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}

	var p ports
	var err error
	if p.frontend, err = reserve(frontendHost, frontendPort); err != nil {
		return ports{}, fmt.Errorf("frontend: %w; stop what uses the port or choose another", err)
	}
	if p.frontendHTTP, err = reserve(frontendHost, 0); err != nil {
		return ports{}, err
	}
	for _, port := range []*int{&p.history, &p.matching, &p.worker} {
		if *port, err = reserve(loopback, 0); err != nil {
			return ports{}, err
		}
	}
	return p, nil
}

// dialHost is the address to reach a service listening on host: a wildcard
// listen address is reached through the loopback interface.
func dialHost(host string) string {
	if host == "" || net.ParseIP(host).IsUnspecified() {
		return loopback
	}
	return host
}

// serverConfig is the configuration of a single-node server with every
// service in this process and everything stored in db.
func serverConfig(db *config.SQL, frontendHost string, p ports) *config.Config {
	frontend := net.JoinHostPort(dialHost(frontendHost), strconv.Itoa(p.frontend))
	frontendHTTP := net.JoinHostPort(dialHost(frontendHost), strconv.Itoa(p.frontendHTTP))
	service := func(host string, port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: host}}
	}
	frontendService := service(frontendHost, p.frontend)
	frontendService.RPC.HTTPPort = p.frontendHTTP

	var c config.Config
	c.Global.Membership.BroadcastAddress = loopback
	c.Persistence = config.Persistence{
		DefaultStore:     storeName,
		VisibilityStore:  storeName,
		NumHistoryShards: 1,
		DataStores:       map[string]config.DataStore{storeName: {SQL: db}},
	}
	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend, HTTPAddress: frontendHTTP},
		},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	c.Services = map[string]config.Service{
		string(primitives.FrontendService): frontendService,
		string(primitives.HistoryService):  service(loopback, p.history),
		string(primitives.MatchingService): service(loopback, p.matching),
		string(primitives.WorkerService):   service(loopback, p.worker),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	c.PublicClient.HostPort = frontend
	return &c
}

// staticHosts tells every service where the others are, so the server needs
// no membership gossip (and no ports for it).
func staticHosts(frontendHost string, p ports) temporal.ServerOption {
	host := func(host string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(port)))
	}
	return temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(dialHost(frontendHost), p.frontend),
		primitives.HistoryService:  host(loopback, p.history),
		primitives.MatchingService: host(loopback, p.matching),
		primitives.WorkerService:   host(loopback, p.worker),
	})
}

// dynamicConfig holds the settings that differ from the server's defaults.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// No calls home: the server would otherwise check for new versions.
		dynamicconfig.EnableServerVersionCheck.Key(): false,
		// The UI, the CLI's watch and the tests list workflows often.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Stated, not changed: Start waits this long for new search attributes.
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): namespaceRefresh,
	}
}
