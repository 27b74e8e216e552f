package router

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkRouterOverhead measures the latency the router adds on loopback at
// 1,000 requests a second: each tick sends one request straight to the
// backend and one through the router, and the difference of their
// percentiles is reported.
func BenchmarkRouterOverhead(b *testing.B) {
	backend := newBackend(b, "ok")
	srv := serve(b, b.TempDir())
	setState(b, srv, State{Stable: pool("v1", backend)})
	c := newHTTPClient(b)
	direct, proxied := backend.URL+"/", "http://"+srv.ListenAddr()+"/"
	timed := func(url string) time.Duration {
		start := time.Now()
		res, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", url, res.StatusCode)
		}
		return time.Since(start)
	}
	timed(direct)
	timed(proxied)

	var ds, ps []time.Duration
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for b.Loop() {
		<-tick.C
		ds = append(ds, timed(direct))
		ps = append(ps, timed(proxied))
	}
	slices.Sort(ds)
	slices.Sort(ps)
	at := func(s []time.Duration, q float64) time.Duration { return s[int(q*float64(len(s)-1))] }
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(at(ps, 0.50)-at(ds, 0.50)), "p50_added_us")
	b.ReportMetric(us(at(ps, 0.99)-at(ds, 0.99)), "p99_added_us")
	b.ReportMetric(us(at(ps, 0.99)), "p99_proxied_us")
}
