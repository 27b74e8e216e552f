// Package router is the traffic router in front of one service in one
// environment: it splits requests between the stable version and a canary by
// weight, and records every request for the canary judge. A test request
// (see HeaderRoute) goes to the canary alone and is recorded as a test.
//
// A router runs as its own process (see Main, Ensure and Stop) and keeps its
// state in a directory, so a worker restart never drops traffic. The worker
// talks to it through the admin API (see Client).
package router

import (
	"slices"
	"time"
)

// Pool names, used in response headers, metric labels and Request records.
const (
	PoolStable = "stable"
	PoolCanary = "canary"
	// poolNone labels requests refused because no backend was configured.
	poolNone = "none"
)

// Response headers the router adds to every proxied response.
const (
	// HeaderBackend names the pool that answered: PoolStable or PoolCanary.
	HeaderBackend = "X-Signalman-Backend"
	// HeaderVersion names the version that answered.
	HeaderVersion = "X-Signalman-Version"
)

// HeaderRoute is the request header that routes a test request past the
// weighted split, so a smoke test reaches the canary before any user does.
// Requests without it are routed by weight; the backend sees it too.
const HeaderRoute = "X-Signalman-Route"

// RouteCanary, as HeaderRoute's value, sends the request to the canary pool
// whatever the weight (0 included); with no canary pool the router answers
// 503 and never sends it to stable.
const RouteCanary = "canary"

// State is the routing configuration of a router.
type State struct {
	// Stable is the pool serving the current release; nil means none.
	Stable *Pool `json:"stable,omitempty"`
	// Canary is the pool serving the new release; nil means none.
	Canary *Pool `json:"canary,omitempty"`
	// Weight is the percentage (0 to 100) of requests sent to the canary.
	Weight int `json:"weight"`
	// Generation counts the changes: each accepted change adds one. It is set
	// by the router and ignored in a PUT.
	Generation int64 `json:"generation"`
}

// Pool is one version of the service and the instances that serve it.
type Pool struct {
	Version string `json:"version"`
	Digest  string `json:"digest,omitempty"`
	// Backends are base URLs of the form http://host:port.
	Backends []string `json:"backends"`
}

// Request is the record of one proxied request, kept for the canary judge.
type Request struct {
	// Pool is PoolStable or PoolCanary ("none" when no backend was configured).
	Pool    string `json:"pool"`
	Version string `json:"version"`
	// At is when the response was complete; records are kept in At order.
	At      time.Time     `json:"at"`
	Latency time.Duration `json:"latency_ns"`
	// Status is the HTTP status sent to the client: 502 for a backend that
	// could not be reached, 499 for a client that went away first.
	Status int `json:"status"`
	// Test marks a request sent with HeaderRoute: a test, not user traffic,
	// which the canary judge leaves out.
	Test bool `json:"test,omitempty"`
}

// Info describes a running router; it is what router.json holds.
type Info struct {
	PID int `json:"pid"`
	// Listen is the traffic address, host:port.
	Listen string `json:"listen"`
	// Admin is the admin API address, host:port.
	Admin string `json:"admin"`
}

// equal reports whether a and b route the same way, ignoring Generation.
func (s State) equal(o State) bool {
	return s.Weight == o.Weight && s.Stable.equal(o.Stable) && s.Canary.equal(o.Canary)
}

func (p *Pool) equal(o *Pool) bool {
	if p == nil || o == nil {
		return p == o
	}
	return p.Version == o.Version && p.Digest == o.Digest && slices.Equal(p.Backends, o.Backends)
}
