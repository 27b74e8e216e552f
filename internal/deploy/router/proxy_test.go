package router

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProxySplitsByWeight(t *testing.T) {
	s1, s2 := newBackend(t, "s1"), newBackend(t, "s2")
	c1 := newBackend(t, "c1")
	tests := []struct {
		name     string
		state    State
		requests int
		p        float64 // expected canary share
	}{
		{"weight_20_sends_a_fifth_to_the_canary", State{Stable: pool("v1", s1, s2), Canary: pool("v2", c1), Weight: 20}, 10_000, 0.2},
		{"weight_0_sends_nothing_to_the_canary", State{Stable: pool("v1", s1, s2), Canary: pool("v2", c1), Weight: 0}, 1_000, 0},
		{"weight_100_sends_everything_to_the_canary", State{Stable: pool("v1", s1, s2), Canary: pool("v2", c1), Weight: 100}, 1_000, 1},
		{"no_stable_pool_falls_to_the_canary", State{Canary: pool("v2", c1)}, 1_000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, t.TempDir())
			setState(t, srv, tt.state)
			counts := load(t, "http://"+srv.ListenAddr(), tt.requests, 8)

			canary := counts["canary/v2/c1"]
			// A binomial count stays within 5 standard deviations of its mean.
			n := float64(tt.requests)
			mean, sd := n*tt.p, math.Sqrt(n*tt.p*(1-tt.p))
			if math.Abs(float64(canary)-mean) > 5*sd {
				t.Errorf("canary got %d of %d requests, want %.0f ± %.0f; all: %v", canary, tt.requests, mean, 5*sd, counts)
			}
			if got := canary + counts["stable/v1/s1"] + counts["stable/v1/s2"]; got != tt.requests {
				t.Errorf("%d of %d requests were answered by the expected pool and version; all: %v", got, tt.requests, counts)
			}
			// Round-robin splits the stable share evenly.
			if d := counts["stable/v1/s1"] - counts["stable/v1/s2"]; d < -1 || d > 1 {
				t.Errorf("stable backends got %d and %d requests, want an even split", counts["stable/v1/s1"], counts["stable/v1/s2"])
			}
		})
	}
}

// load sends n GET requests to url from workers goroutines and counts them by
// "pool/version/backend" as the response says.
func load(t *testing.T, url string, n, workers int) map[string]int {
	t.Helper()
	c := newHTTPClient(t)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for range workers {
		wg.Go(func() {
			for range jobs {
				res, err := c.Get(url)
				if err != nil {
					t.Errorf("GET %s: %v", url, err)
					continue
				}
				key := fmt.Sprintf("%s/%s/%s", res.Header.Get(HeaderBackend), res.Header.Get(HeaderVersion), readAll(res))
				if res.StatusCode != http.StatusOK {
					key = fmt.Sprintf("status %d", res.StatusCode)
				}
				mu.Lock()
				counts[key]++
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return counts
}

// readAll reads and closes the body of res.
func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestProxyWithoutBackendsAnswers503(t *testing.T) {
	srv := serve(t, t.TempDir())
	res, body := get(t, newHTTPClient(t), "http://"+srv.ListenAddr()+"/")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "no backends") {
		t.Errorf("got %d %q, want 503 saying there are no backends", res.StatusCode, body)
	}
}

func TestProxyBackendDownIs502CountedAsError(t *testing.T) {
	down := closedPortURL(t)
	srv := serve(t, t.TempDir())
	setState(t, srv, State{Stable: &Pool{Version: "v1", Backends: []string{down}}})

	res, body := get(t, newHTTPClient(t), "http://"+srv.ListenAddr()+"/")
	if res.StatusCode != http.StatusBadGateway {
		t.Fatalf("got %d %q, want 502", res.StatusCode, body)
	}
	if res.Header.Get(HeaderBackend) != PoolStable || res.Header.Get(HeaderVersion) != "v1" {
		t.Errorf("502 headers: backend %q version %q, want stable v1", res.Header.Get(HeaderBackend), res.Header.Get(HeaderVersion))
	}
	_, metrics := adminGet(t, srv, "/metrics", "Bearer "+srv.token)
	for _, want := range []string{
		`router_request_errors_total{pool="stable",version="v1"} 1`,
		`router_requests_total{code="502",pool="stable",version="v1"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	rs, err := srv.Client().Requests(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Status != http.StatusBadGateway || rs[0].Pool != PoolStable {
		t.Errorf("records: %+v, want one stable 502", rs)
	}
}

// closedPortURL returns the URL of a loopback port nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestCloseFinishesRequestsUnderWay(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		fmt.Fprint(w, "done")
	}))
	defer slow.Close()
	srv, err := Serve(context.Background(), Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	setState(t, srv, State{Stable: pool("v1", slow)})

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + srv.ListenAddr() + "/")
		if err != nil {
			got <- result{err: err}
			return
		}
		got <- result{status: res.StatusCode, body: readAll(res)}
	}()
	<-arrived
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	// Close must wait for the request; give it a moment to try not to.
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was under way", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-got; r.err != nil || r.status != http.StatusOK || r.body != "done" {
		t.Errorf("request under way at Close: %d %q %v, want 200 done", r.status, r.body, r.err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestServeStopsWhenContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Serve(ctx, Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if _, err := net.Dial("tcp", srv.AdminAddr()); err != nil {
			return
		}
	}
	t.Error("router still accepts connections after its context was cancelled")
}
