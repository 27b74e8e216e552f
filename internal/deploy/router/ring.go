package router

import (
	"sort"
	"sync"
	"time"
)

// DefaultRecords is how many request records a router keeps when
// Config.Records is zero.
const DefaultRecords = 100_000

// ring keeps the last requests in completion order.
type ring struct {
	mu    sync.Mutex
	buf   []Request
	start int // index of the oldest record
	n     int // number of records held
}

func newRing(size int) *ring {
	return &ring{buf: make([]Request, size)}
}

// add records r, stamping At under the lock so records stay in At order.
func (g *ring) add(r Request) {
	g.mu.Lock()
	r.At = time.Now()
	if g.n < len(g.buf) {
		g.buf[(g.start+g.n)%len(g.buf)] = r
		g.n++
	} else {
		g.buf[g.start] = r
		g.start = (g.start + 1) % len(g.buf)
	}
	g.mu.Unlock()
}

// since returns the records with At after t, oldest first.
func (g *ring) since(t time.Time) []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	at := func(i int) *Request { return &g.buf[(g.start+i)%len(g.buf)] }
	first := sort.Search(g.n, func(i int) bool { return at(i).At.After(t) })
	out := make([]Request, 0, g.n-first)
	for i := first; i < g.n; i++ {
		out = append(out, *at(i))
	}
	return out
}
