package activities

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/deploy/router"
)

// fakePrometheus is a stateless fake of the one Prometheus endpoint the
// judge uses (GET /api/v1/query_range): it answers every query with a
// series of 20 values, from bad when the query selects the canary pool and
// the metric named in canaryBad, from good otherwise.
func fakePrometheus(t *testing.T, canaryBad string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query_range" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query().Get("query")
		if !strings.Contains(q, `service="api"`) || !strings.Contains(q, `env="prod"`) {
			t.Errorf("query %q does not select the service and environment", q)
		}
		base := 0.01
		if strings.Contains(q, `pool="canary"`) && strings.Contains(q, canaryBad) {
			base = 0.3
		}
		var values []string
		for i := range 20 {
			values = append(values, fmt.Sprintf(`[%d,"%g"]`, 1772460000+i, base+float64(i%3)*0.001))
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[%s]}]}}`, strings.Join(values, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAnalyzeCanary_from_prometheus(t *testing.T) {
	for _, tc := range []struct {
		name, bad, want string
	}{
		{name: "canary_errors_fail", bad: "router_request_errors_total", want: Fail},
		{name: "same_as_baseline_passes", bad: "nothing", want: Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The router runs in the test; a router process is never started.
			d := &Deployer{Dir: t.TempDir(), RouterCommand: []string{"false"}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, err := router.Serve(ctx, router.Config{Dir: filepath.Join(d.Dir, "shop", "prod", "api")})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			_, err = srv.Client().SetState(ctx, router.State{
				Stable: &router.Pool{Version: "v1.1.0", Backends: []string{"http://127.0.0.1:1"}},
				Canary: &router.Pool{Version: "v1.2.0", Backends: []string{"http://127.0.0.1:2"}},
				Weight: 10,
			})
			if err != nil {
				t.Fatal(err)
			}
			prom := fakePrometheus(t, tc.bad)
			c := config.Canary{
				Steps: []config.CanaryStep{{Weight: 10, Pause: 10 * time.Second}}, Confidence: 0.98, Marginal: 75, Pass: 95, Prometheus: prom.URL,
				Metrics: []config.CanaryMetric{
					{Name: "error_rate", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.001},
					{Name: "latency", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.005},
				},
			}
			v, err := runActivity(t, d.AnalyzeCanary, AnalyzeRequest{Product: "shop", Env: "prod", Service: "api", Canary: c, Step: 0})
			if err != nil {
				t.Fatal(err)
			}
			if v.Class != tc.want {
				t.Errorf("verdict %s (%s), want %s", v.Class, v.Detail, tc.want)
			}
		})
	}
}
