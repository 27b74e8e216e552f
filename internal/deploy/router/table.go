package router

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync/atomic"
)

// table is an immutable routing table built from one State. The proxy loads
// the current table once per request, so a change applies to new requests
// while requests already under way finish on the backend they started on.
type table struct {
	stable, canary *route // nil when the pool has no backends
	weight         int
}

// route is one pool's backends, served round-robin.
type route struct {
	pool, version string
	backends      []http.Handler
	next          atomic.Uint64
	metrics       poolMetrics
}

// newTable builds the table for s, which must be normalized; newProxy makes
// the handler that forwards to one backend of one pool.
func newTable(s State, m *metrics, newProxy func(r *route, target *url.URL) http.Handler) (*table, error) {
	t := &table{weight: s.Weight}
	var err error
	if t.stable, err = newRoute(PoolStable, s.Stable, m, newProxy); err != nil {
		return nil, err
	}
	if t.canary, err = newRoute(PoolCanary, s.Canary, m, newProxy); err != nil {
		return nil, err
	}
	return t, nil
}

func newRoute(name string, p *Pool, m *metrics, newProxy func(*route, *url.URL) http.Handler) (*route, error) {
	if p == nil || len(p.Backends) == 0 {
		return nil, nil
	}
	r := &route{pool: name, version: p.Version, metrics: m.pool(name, p.Version)}
	for _, b := range p.Backends {
		u, err := parseBackend(b)
		if err != nil {
			return nil, fmt.Errorf("%s pool: %w", name, err)
		}
		r.backends = append(r.backends, newProxy(r, u))
	}
	return r, nil
}

// refusal is the answer the router gives itself to a request no backend
// may serve.
type refusal struct {
	status int
	msg    string
}

// choose picks the route for a request whose HeaderRoute is want: by weight
// (see pick) when want is empty, the canary alone when it is RouteCanary.
// When no backend may serve the request it returns the refusal instead.
func (t *table) choose(want string) (*route, refusal) {
	switch want {
	case "":
		if rt := t.pick(); rt != nil {
			return rt, refusal{}
		}
		return nil, refusal{http.StatusServiceUnavailable,
			"signalman router: no backends are configured for this service (the stable and canary pools are empty)"}
	case RouteCanary:
		if t.canary != nil {
			return t.canary, refusal{}
		}
		return nil, refusal{http.StatusServiceUnavailable,
			"signalman router: " + HeaderRoute + ": " + RouteCanary + " asks for the canary, but this service has no canary pool, and a test request is never sent to stable: deploy the new version as a canary first"}
	default:
		return nil, refusal{http.StatusBadRequest,
			fmt.Sprintf("signalman router: %s %q is not a route: send %q for the canary, or leave the header out to be routed by weight", HeaderRoute, want, RouteCanary)}
	}
}

// pick chooses the route for one request: the canary with probability
// weight/100, else stable; a choice without backends falls to the other.
// It returns nil when neither has backends.
func (t *table) pick() *route {
	first, other := t.stable, t.canary
	if t.weight >= 100 || (t.weight > 0 && rand.IntN(100) < t.weight) {
		first, other = other, first
	}
	if first != nil {
		return first
	}
	return other
}

// backend returns the next backend of r in round-robin order.
func (r *route) backend() http.Handler {
	n := r.next.Add(1) - 1
	return r.backends[n%uint64(len(r.backends))]
}
