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
