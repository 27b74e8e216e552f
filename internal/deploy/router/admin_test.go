package router

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdminNeedsTheToken(t *testing.T) {
	srv := serve(t, t.TempDir())
	tests := []struct {
		name, path, auth string
		want             int
	}{
		{"no_header", "/state", "", http.StatusUnauthorized},
		{"wrong_token", "/state", "Bearer " + strings.Repeat("0", 64), http.StatusUnauthorized},
		{"token_prefix", "/state", "Bearer " + srv.token[:10], http.StatusUnauthorized},
		{"not_bearer", "/state", "Basic " + srv.token, http.StatusUnauthorized},
		{"requests_without_token", "/requests", "", http.StatusUnauthorized},
		{"metrics_without_token", "/metrics", "", http.StatusUnauthorized},
		{"right_token", "/state", "Bearer " + srv.token, http.StatusOK},
		{"healthz_needs_none", "/healthz", "", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res, body := adminGet(t, srv, tt.path, tt.auth); res.StatusCode != tt.want {
				t.Errorf("GET %s: %d %s, want %d", tt.path, res.StatusCode, body, tt.want)
			}
		})
	}
	if len(srv.token) != 64 {
		t.Errorf("token %d characters long, want 64 (32 random bytes in hex)", len(srv.token))
	}
}

func TestServeRefusesANonLoopbackAdmin(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		t.Run(addr, func(t *testing.T) {
			srv, err := Serve(context.Background(), Config{Dir: t.TempDir(), Admin: addr})
			if err == nil {
				srv.Close()
				t.Fatalf("Serve with admin %s started", addr)
			}
			if !strings.Contains(err.Error(), "not a loopback address") {
				t.Errorf("Serve with admin %s: %v, want it to ask for loopback", addr, err)
			}
		})
	}
	if code := Main([]string{"--dir", t.TempDir(), "--admin", "0.0.0.0:0"}); code != 1 {
		t.Errorf("Main with a non-loopback admin exited %d, want 1", code)
	}
}

func TestMainRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"--bogus"}, {"--dir", t.TempDir(), "extra"}} {
		if code := Main(args); code != 2 {
			t.Errorf("Main(%q) exited %d, want 2", args, code)
		}
	}
}

func TestRequestsSince(t *testing.T) {
	srv := serve(t, t.TempDir())
	setState(t, srv, State{Stable: pool("v1", newBackend(t, "s")), Canary: pool("v2", newBackend(t, "c")), Weight: 50})
	c, url := newHTTPClient(t), "http://"+srv.ListenAddr()+"/"
	for range 3 {
		get(t, c, url)
	}
	ctx := context.Background()
	first, err := srv.Client().Requests(ctx, time.Time{})
	if err != nil || len(first) != 3 {
		t.Fatalf("Requests: %d records (%v), want 3", len(first), err)
	}
	for _, r := range first {
		wantVersion := map[string]string{PoolStable: "v1", PoolCanary: "v2"}[r.Pool]
		if r.Version != wantVersion || r.Status != http.StatusOK || r.Latency <= 0 || r.At.IsZero() {
			t.Errorf("record %+v: want a stable v1 or canary v2 200 with a latency and a time", r)
		}
	}
	for range 2 {
		get(t, c, url)
	}
	later, err := srv.Client().Requests(ctx, first[2].At)
	if err != nil || len(later) != 2 {
		t.Fatalf("Requests since the third: %d records (%v), want 2", len(later), err)
	}
	if !later[0].At.After(first[2].At) || later[1].At.Before(later[0].At) {
		t.Errorf("records since %v are not after it in order: %v, %v", first[2].At, later[0].At, later[1].At)
	}
	if res, body := adminGet(t, srv, "/requests?since=yesterday", "Bearer "+srv.token); res.StatusCode != http.StatusBadRequest {
		t.Errorf("since=yesterday: %d %s, want 400", res.StatusCode, body)
	}
}

func TestMetricsArePerPool(t *testing.T) {
	srv := serve(t, t.TempDir())
	s, cb := newBackend(t, "s"), newBackend(t, "c")
	c, url := newHTTPClient(t), "http://"+srv.ListenAddr()+"/"
	setState(t, srv, State{Stable: pool("v1", s)})
	for range 3 {
		get(t, c, url)
	}
	setState(t, srv, State{Stable: pool("v1", s), Canary: pool("v2", cb), Weight: 100})
	for range 2 {
		get(t, c, url)
	}
	res, body := adminGet(t, srv, "/metrics", "Bearer "+srv.token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", res.StatusCode)
	}
	for _, want := range []string{
		`router_requests_total{code="200",pool="stable",version="v1"} 3`,
		`router_requests_total{code="200",pool="canary",version="v2"} 2`,
		`router_request_errors_total{pool="canary",version="v2"} 0`,
		`router_request_duration_seconds_count{pool="stable",version="v1"} 3`,
		`router_request_duration_seconds_count{pool="canary",version="v2"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
