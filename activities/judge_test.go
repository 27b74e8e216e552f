package activities

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/canary"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy/router"
)

// fakePrometheus is a stateless fake of the one Prometheus endpoint the
// judge uses (GET /api/v1/query_range): it answers every query with a
// series of 20 values, from bad when the query selects the canary pool and
// the metric named in canaryBad, from good otherwise; only 9 values, too
// few to judge, when it selects the canary pool and the metric named in
// canaryFew.
func fakePrometheus(t *testing.T, canaryBad, canaryFew string) *httptest.Server {
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
		n := 20
		if strings.Contains(q, `pool="canary"`) && strings.Contains(q, canaryFew) {
			n = 9
		}
		var values []string
		for i := range n {
			values = append(values, fmt.Sprintf(`[%d,"%g"]`, 1772460000+i, base+float64(i%3)*0.001))
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[%s]}]}}`, strings.Join(values, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAnalyzeCanary_from_prometheus(t *testing.T) {
	const errorsQuery = "router_request_errors_total"
	for _, tc := range []struct {
		name, bad, few string
		// errorRateCritical is the error rate's critical; nil leaves it unset.
		errorRateCritical *bool
		want              string
		wantNoData        bool
		wantDetail        string // a part of the verdict's detail, or ""
	}{
		{name: "canary_errors_fail", bad: errorsQuery, few: "nothing", want: contract.Fail},
		{name: "same_as_baseline_passes", bad: "nothing", few: "nothing", want: contract.Pass},
		{
			name: "too_few_canary_error_rates_is_nodata_not_pass", bad: "nothing", few: errorsQuery,
			want: contract.Marginal, wantNoData: true, wantDetail: "nodata, error_rate is critical and has too few samples",
		},
		{
			name: "too_few_error_rates_of_a_non_critical_error_rate_pass_on_latency", bad: "nothing", few: errorsQuery,
			errorRateCritical: ptr(false), want: contract.Pass,
		},
		{
			name: "canary_errors_fail_a_critical_error_rate_outweighed_in_the_score", bad: errorsQuery, few: "nothing",
			errorRateCritical: ptr(true), want: contract.Fail, wantDetail: "fail, error_rate is critical and high, score 95.2",
		},
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
			prom := fakePrometheus(t, tc.bad, tc.few)
			// Latency outweighs the error rate, so that only a critical
			// error rate can fail the canary on its own.
			latencyWeight := 1.0
			if tc.errorRateCritical != nil {
				latencyWeight = 20
			}
			c := config.Canary{
				Steps: []config.CanaryStep{{Weight: 10, Pause: 10 * time.Second}}, Confidence: 0.98, Marginal: 75, Pass: 95, Prometheus: prom.URL,
				Metrics: []config.CanaryMetric{
					{Name: "error_rate", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.001, Critical: tc.errorRateCritical},
					{Name: "latency", Direction: "increase", Weight: latencyWeight, Tolerance: 0.1, AbsTolerance: 0.005},
				},
			}
			v, err := runActivity(t, d.AnalyzeCanary, contract.AnalyzeRequest{Product: "shop", Env: "prod", Service: "api", Canary: c, Step: 0})
			if err != nil {
				t.Fatal(err)
			}
			if v.Class != tc.want || v.NoData != tc.wantNoData {
				t.Errorf("verdict %s, no data %v (%s); want %s, no data %v", v.Class, v.NoData, v.Detail, tc.want, tc.wantNoData)
			}
			if !strings.Contains(v.Detail, tc.wantDetail) {
				t.Errorf("detail %q, want it to contain %q", v.Detail, tc.wantDetail)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestJudgeConfig_maps_critical(t *testing.T) {
	tests := []struct {
		name    string
		metrics []config.CanaryMetric
		want    map[string]bool // critical by metric name
	}{
		{
			name:    "unset_critical_makes_error_rate_critical_and_latency_not",
			metrics: []config.CanaryMetric{{Name: config.MetricErrorRate}, {Name: config.MetricLatency}},
			want:    map[string]bool{canary.ErrorRate: true, canary.Latency: false},
		},
		{
			name:    "explicit_false_on_error_rate_is_kept",
			metrics: []config.CanaryMetric{{Name: config.MetricErrorRate, Critical: ptr(false)}},
			want:    map[string]bool{canary.ErrorRate: false},
		},
		{
			name:    "explicit_true_on_latency_is_kept",
			metrics: []config.CanaryMetric{{Name: config.MetricLatency, Critical: ptr(true)}},
			want:    map[string]bool{canary.Latency: true},
		},
		{
			name: "no_metrics_leave_the_judges_defaults_with_error_rate_critical",
			want: map[string]bool{canary.ErrorRate: true, canary.Latency: false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := judgeConfig(config.Canary{Metrics: tt.metrics})
			metrics := cfg.Metrics
			if len(metrics) == 0 {
				metrics = canary.DefaultMetrics()
			}
			got := make(map[string]bool)
			for _, m := range metrics {
				got[m.Name] = m.Critical
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("critical = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJudgeRequests_leave_test_requests_out(t *testing.T) {
	st := router.State{Stable: &router.Pool{Version: "v1.1.0"}, Canary: &router.Pool{Version: "v1.2.0"}}
	tests := []struct {
		name string
		rec  router.Request
		want string // the judge's backend, or "" when left out
	}{
		{"user_request_to_stable_is_baseline", router.Request{Pool: router.PoolStable, Version: "v1.1.0", Status: 200}, canary.Stable},
		{"user_request_to_canary_is_canary", router.Request{Pool: router.PoolCanary, Version: "v1.2.0", Status: 200}, canary.Canary},
		{"test_request_to_canary_is_left_out", router.Request{Pool: router.PoolCanary, Version: "v1.2.0", Status: 500, Test: true}, ""},
		{"refused_test_request_is_left_out", router.Request{Pool: "none", Status: 503, Test: true}, ""},
		{"user_request_to_an_older_canary_is_left_out", router.Request{Pool: router.PoolCanary, Version: "v1.0.0", Status: 200}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeRequests([]router.Request{tt.rec}, st)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("judged as %+v, want it left out", got)
			case tt.want != "" && (len(got) != 1 || got[0].Backend != tt.want):
				t.Errorf("judged as %+v, want one %s request", got, tt.want)
			}
		})
	}
}

func TestAnalyzeCanary_leaves_test_requests_out(t *testing.T) {
	// At weight 0 users reach stable only; the canary's test requests are
	// slow failures that would fail the canary if they were judged.
	stable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer stable.Close()
	slowFailing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer slowFailing.Close()

	d := &Deployer{Dir: t.TempDir(), RouterCommand: []string{"false"}}
	ctx := context.Background()
	srv, err := router.Serve(ctx, router.Config{Dir: filepath.Join(d.Dir, "shop", "prod", "api")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	st, err := srv.Client().SetState(ctx, router.State{
		Stable: &router.Pool{Version: "v1.1.0", Backends: []string{stable.URL}},
		Canary: &router.Pool{Version: "v1.2.0", Backends: []string{slowFailing.URL}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	url := "http://" + srv.ListenAddr() + "/"
	for range n {
		for _, route := range []string{"", router.RouteCanary} {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			if route != "" {
				req.Header.Set(router.HeaderRoute, route)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
	}

	const window = 10 * time.Second
	baseline, canaryS, err := routerSamples(ctx, srv.Client(), st, window)
	if err != nil {
		t.Fatal(err)
	}
	if len(baseline[canary.Latency]) != n || len(canaryS) != 0 {
		t.Errorf("samples: %d baseline latencies and canary samples %v; want %d and none", len(baseline[canary.Latency]), canaryS, n)
	}
	// The same records, judged as user traffic, fail the canary: the test
	// above would fail if test requests were counted.
	reqs, err := srv.Client().Requests(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range reqs {
		reqs[i].Test = false
	}
	counted, countedCanary := canary.Samples(judgeRequests(reqs, st), interval(window))
	if res := canary.Judge(canary.Config{}, counted, countedCanary); res.Class != canary.ClassFail {
		t.Fatalf("the test requests judged as user traffic: %s (%s), want fail", res.Class, res.Summary())
	}

	c := config.Canary{Steps: []config.CanaryStep{{Weight: 10, Pause: window}}}
	v, err := runActivity(t, d.AnalyzeCanary, contract.AnalyzeRequest{Product: "shop", Env: "prod", Service: "api", Canary: c, Step: 0, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	if v.Class != contract.Marginal || !v.NoData {
		t.Errorf("verdict %s, no data %v (%s); want marginal with no data: the canary had no user traffic", v.Class, v.NoData, v.Detail)
	}
}

func TestAnalyzeCanary_bake_judges_the_new_version_against_the_previous_baseline(t *testing.T) {
	for _, tc := range []struct {
		name   string
		broken bool
		want   string
	}{
		{name: "a_healthy_new_version_passes", want: contract.Pass},
		{name: "a_degraded_new_version_fails", broken: true, want: contract.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
			defer old.Close()
			next := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.broken {
					time.Sleep(20 * time.Millisecond)
					http.Error(w, "broken", http.StatusInternalServerError)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			defer next.Close()
			d := &Deployer{Dir: t.TempDir(), RouterCommand: []string{"false"}}
			ctx := context.Background()
			srv, err := router.Serve(ctx, router.Config{Dir: filepath.Join(d.Dir, "shop", "prod", "api")})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			users := func() {
				for range 40 {
					res, err := http.Get("http://" + srv.ListenAddr() + "/")
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					time.Sleep(50 * time.Millisecond)
				}
			}
			previous := &router.Pool{Version: "v1.1.0", Backends: []string{old.URL}}
			if _, err := srv.Client().SetState(ctx, router.State{Stable: previous}); err != nil {
				t.Fatal(err)
			}
			users()
			// The new version takes all the traffic; the previous one is
			// kept for an instant rollback, as SetTraffic at 100 does.
			full := time.Now()
			if err := d.savePrevious("shop", "prod", "api", previous); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Client().SetState(ctx, router.State{Stable: &router.Pool{Version: "v1.2.0", Backends: []string{next.URL}}}); err != nil {
				t.Fatal(err)
			}
			users()

			const window = 2 * time.Second
			// The pipeline's defaults: sub-millisecond differences between
			// two healthy versions are not a regression.
			c := config.Canary{Steps: []config.CanaryStep{{Weight: 10, Pause: window}}, Confidence: 0.98, Marginal: 75, Pass: 95, Metrics: []config.CanaryMetric{
				{Name: config.MetricErrorRate, Direction: config.DirectionIncrease, Weight: 1, Tolerance: 0.1, AbsTolerance: 0.001, Critical: ptr(true)},
				{Name: config.MetricLatency, Direction: config.DirectionIncrease, Weight: 1, Tolerance: 0.1, AbsTolerance: 0.005, Critical: ptr(false)},
			}}
			v, err := runActivity(t, d.AnalyzeCanary, contract.AnalyzeRequest{Product: "shop", Env: "prod", Service: "api", Canary: c, Window: window, Baseline: full})
			if err != nil {
				t.Fatal(err)
			}
			if v.Class != tc.want || !v.Bake || v.NoData {
				t.Errorf("bake verdict %s (bake %v, no data %v): %s; want %s", v.Class, v.Bake, v.NoData, v.Detail, tc.want)
			}
		})
	}
}
