package devserver

import (
	"fmt"
	"math/rand/v2"
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
	// loopback is where the internal services listen.
	loopback = "127.0.0.1"
)

// stores says where a server keeps its state.
type stores struct {
	defaultStore, visibilityStore string
	dataStores                    map[string]config.DataStore
	// shards is the number of history shards of a new database; a
	// database keeps the number it was created with.
	shards int32
}

// topology says where a server's services listen.
type topology struct {
	frontendHost string
	frontendPort int
	// clusterHost is where the services behind the frontend listen, and
	// the address the other servers of a cluster reach all of them at.
	clusterHost string
	// fixed are the ports asked for; zero ones are picked free.
	fixed ClusterPorts
	// membership is true for a server on a shared database: its services
	// find the others' through the database and gossip on their own ports.
	// Without it, they know each other statically.
	membership bool
}

// ports are the listen ports of the services in one server. The frontend's
// HTTP API serves Nexus and curl; the UI needs only gRPC. The membership
// ports are zero without membership.
type ports struct {
	frontend, frontendHTTP, history, matching, worker                           int
	frontendMembership, historyMembership, matchingMembership, workerMembership int
}

// Membership ports are stored in the database, in PostgreSQL as a
// smallint, so they must stay at or below maxMembershipPort. Free ones are
// picked at random from minMembershipPort up, below the range the kernel
// hands out for port 0, so no outgoing connection ever holds one.
const (
	minMembershipPort = 10000
	maxMembershipPort = 32767
)

// pickPorts checks that the asked-for ports are free (the server exits the
// process when it cannot listen), resolves a zero frontend port, and picks
// free ports for the rest. All probe listeners stay open until every port
// is chosen, so no port is handed out twice.
func pickPorts(top topology) (ports, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	var err error
	listen := func(name, host string, port int) (net.Listener, error) {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("%s: listen on %s: %w; stop what uses the port or choose another", name, addr, err)
		}
		return l, nil
	}
	reserve := func(name, host string, port int, dst *int) {
		if err != nil {
			return
		}
		var l net.Listener
		if l, err = listen(name, host, port); err == nil {
			listeners = append(listeners, l)
			*dst = l.Addr().(*net.TCPAddr).Port
		}
	}
	reserveMembership := func(name, host string, port int, dst *int) {
		if err != nil || port != 0 {
			reserve(name, host, port, dst)
			return
		}
		for range 100 {
			port = minMembershipPort + rand.IntN(maxMembershipPort-minMembershipPort+1)
			if l, lerr := listen(name, host, port); lerr == nil {
				listeners = append(listeners, l)
				*dst = port
				return
			}
		}
		err = fmt.Errorf("%s: no free port from %d to %d on %s; set one in ClusterPorts", name, minMembershipPort, maxMembershipPort, host)
	}

	var p ports
	reserve("frontend", top.frontendHost, top.frontendPort, &p.frontend)
	reserve("frontend HTTP API", top.frontendHost, 0, &p.frontendHTTP)
	reserve("history", top.clusterHost, top.fixed.History, &p.history)
	reserve("matching", top.clusterHost, top.fixed.Matching, &p.matching)
	reserve("worker service", top.clusterHost, top.fixed.Worker, &p.worker)
	if top.membership {
		// Each service gossips on the address its gRPC server listens on.
		reserveMembership("frontend membership", top.frontendHost, top.fixed.FrontendMembership, &p.frontendMembership)
		reserveMembership("history membership", top.clusterHost, top.fixed.HistoryMembership, &p.historyMembership)
		reserveMembership("matching membership", top.clusterHost, top.fixed.MatchingMembership, &p.matchingMembership)
		reserveMembership("worker service membership", top.clusterHost, top.fixed.WorkerMembership, &p.workerMembership)
	}
	if err != nil {
		return ports{}, err
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

// serverConfig is the configuration of a server with every service in this
// process, listening as top and p say, and its state in st.
func serverConfig(st *stores, top topology, p ports) *config.Config {
	frontend := net.JoinHostPort(dialHost(top.frontendHost), strconv.Itoa(p.frontend))
	frontendHTTP := net.JoinHostPort(dialHost(top.frontendHost), strconv.Itoa(p.frontendHTTP))
	service := func(host string, port, membership int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, MembershipPort: membership, BindOnIP: host}}
	}
	frontendService := service(top.frontendHost, p.frontend, p.frontendMembership)
	frontendService.RPC.HTTPPort = p.frontendHTTP

	var c config.Config
	c.Global.Membership.BroadcastAddress = top.clusterHost
	c.Persistence = config.Persistence{
		DefaultStore:     st.defaultStore,
		VisibilityStore:  st.visibilityStore,
		NumHistoryShards: st.shards,
		DataStores:       st.dataStores,
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
		string(primitives.HistoryService):  service(top.clusterHost, p.history, p.historyMembership),
		string(primitives.MatchingService): service(top.clusterHost, p.matching, p.matchingMembership),
		string(primitives.WorkerService):   service(top.clusterHost, p.worker, p.workerMembership),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// The worker service's system workflows use this server's frontend,
	// not any frontend of the cluster.
	c.PublicClient.HostPort = frontend
	return &c
}

// staticHosts tells every service where the others are, so a server alone
// on its database needs no membership gossip (and no ports for it).
func staticHosts(top topology, p ports) temporal.ServerOption {
	host := func(host string, port int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(port)))
	}
	return temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: host(dialHost(top.frontendHost), p.frontend),
		primitives.HistoryService:  host(top.clusterHost, p.history),
		primitives.MatchingService: host(top.clusterHost, p.matching),
		primitives.WorkerService:   host(top.clusterHost, p.worker),
	})
}

// transferReadsPerSecond bounds how often a history shard reads its new
// transfer tasks: the pushes of workflow and activity tasks to matching,
// child starts and completions, signals to other workflows. Temporal's
// default, 20 reads a second with a burst of 20, is meant for clusters of
// hundreds of shards; on the few shards here, one release's steps alone
// ask for more than 20 a second once its steps are shorter than about
// 100 ms, and each chained task then waits up to 50 ms for the next read.
// A read is made only when the shard has new tasks. Measured
// (BENCHMARKS.md, "Orchestration overhead"): 100 takes nearly all of the
// wait away (1,000 does little more) and costs little of a saturated
// server's throughput, where each read gathers more tasks.
const transferReadsPerSecond = 100

// dynamicConfig holds the settings that differ from the server's defaults.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// No calls home: the server would otherwise check for new versions.
		dynamicconfig.EnableServerVersionCheck.Key(): false,
		// The UI, the CLI's watch and the tests list workflows often.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// Stated, not changed: Start waits this long for new search attributes.
		dynamicconfig.NamespaceCacheRefreshInterval.Key(): namespaceRefresh,
		// One release's chained steps are not held to 20 reads a second.
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): transferReadsPerSecond,
	}
}
