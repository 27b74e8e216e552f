package router

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRouteHeaderSendsTestRequestsToTheCanaryOnly(t *testing.T) {
	const n = 200 // test requests, and as many user requests between them
	for _, tt := range []struct {
		name   string
		weight int
	}{
		{"weight_0_sends_users_to_stable_and_tests_to_the_canary", 0},
		{"weight_50_sends_every_test_to_the_canary", 50},
		{"weight_100_sends_every_test_to_the_canary", 100},
	} {
		weight := tt.weight
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, t.TempDir())
			setState(t, srv, State{Stable: pool("v1", newBackend(t, "s")), Canary: pool("v2", newBackend(t, "c")), Weight: weight})
			c, url := newHTTPClient(t), "http://"+srv.ListenAddr()+"/"

			userCanary := 0
			for range n {
				res, body := getRoute(t, c, url, RouteCanary)
				if res.StatusCode != http.StatusOK || body != "c" || res.Header.Get(HeaderBackend) != PoolCanary || res.Header.Get(HeaderVersion) != "v2" {
					t.Fatalf("test request: %d %q from %s %s, want 200 from canary v2", res.StatusCode, body, res.Header.Get(HeaderBackend), res.Header.Get(HeaderVersion))
				}
				if res, _ := get(t, c, url); res.Header.Get(HeaderBackend) == PoolCanary {
					userCanary++
				}
			}
			if weight == 0 && userCanary > 0 {
				t.Errorf("at weight 0, %d user requests reached the canary", userCanary)
			}

			rs, err := srv.Client().Requests(context.Background(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			tests, users := 0, map[string]int{}
			for _, r := range rs {
				if r.Test {
					tests++
					if r.Pool != PoolCanary || r.Version != "v2" {
						t.Errorf("test record %+v, want canary v2", r)
					}
					continue
				}
				users[r.Pool]++
			}
			if tests != n || users[PoolCanary] != userCanary || users[PoolStable] != n-userCanary {
				t.Errorf("records: %d test, users by pool %v; want %d test, %d user requests on the canary and %d on stable",
					tests, users, n, userCanary, n-userCanary)
			}

			_, metrics := adminGet(t, srv, "/metrics", "Bearer "+srv.token)
			wantMetric(t, metrics, `router_test_requests_total{code="200",pool="canary",version="v2"}`, n)
			wantMetric(t, metrics, `router_requests_total{code="200",pool="canary",version="v2"}`, userCanary)
			wantMetric(t, metrics, `router_request_duration_seconds_count{pool="canary",version="v2"}`, userCanary)
		})
	}
}

func TestRouteHeaderWithoutACanaryNeverReachesStable(t *testing.T) {
	tests := []struct {
		name       string
		canary     *Pool
		header     string
		wantStatus int
		wantBody   string
	}{
		{"no_canary_pool_answers_503", nil, RouteCanary, http.StatusServiceUnavailable, "no canary pool"},
		{"canary_pool_without_backends_answers_503", &Pool{Version: "v2"}, RouteCanary, http.StatusServiceUnavailable, "no canary pool"},
		{"unknown_route_answers_400", nil, "stable", http.StatusBadRequest, `"stable" is not a route`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stable, hits := countingBackend(t)
			srv := serve(t, t.TempDir())
			setState(t, srv, State{Stable: pool("v1", stable), Canary: tt.canary})

			res, body := getRoute(t, newHTTPClient(t), "http://"+srv.ListenAddr()+"/", tt.header)
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("got %d %q, want %d saying %q", res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if n := hits.Load(); n > 0 {
				t.Errorf("stable served %d requests, want none", n)
			}
			rs, err := srv.Client().Requests(context.Background(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 || !rs[0].Test || rs[0].Pool != poolNone || rs[0].Status != tt.wantStatus {
				t.Errorf("records %+v, want one test request refused with %d", rs, tt.wantStatus)
			}
			_, metrics := adminGet(t, srv, "/metrics", "Bearer "+srv.token)
			if strings.Contains(metrics, `router_requests_total{`) {
				t.Errorf("a refused test request is counted as user traffic:\n%s", metrics)
			}
		})
	}
}

// getRoute fetches url with HeaderRoute set to route and returns the
// response with its body read.
func getRoute(t testing.TB, c *http.Client, url, route string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(HeaderRoute, route)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s with %s: %s: %v", url, HeaderRoute, route, err)
	}
	return res, readAll(res)
}

// countingBackend starts a service instance that answers 200 and counts
// the requests it serves.
func countingBackend(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// wantMetric checks that the metrics text has series at value n; a series
// that is absent counts as 0.
func wantMetric(t *testing.T, metrics, series string, n int) {
	t.Helper()
	for line := range strings.Lines(metrics) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			if value != strconv.Itoa(n) {
				t.Errorf("%s is %s, want %d", series, value, n)
			}
			return
		}
	}
	if n != 0 {
		t.Errorf("metrics lack %s, want it at %d", series, n)
	}
}
