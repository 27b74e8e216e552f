package canary

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// answer is what the fake Prometheus sends back for one query.
type answer struct {
	status int
	body   string
}

// fakePrometheus is a fake of the one Prometheus HTTP API endpoint Range
// uses, GET /api/v1/query_range, under the path prefix /prom: it answers
// each query with fixed JSON in the shape the Prometheus documentation
// gives, an unknown query with Prometheus's bad_data error, and checks the
// time parameters.
func fakePrometheus(t *testing.T, answers map[string]answer) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/prom/api/v1/query_range" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		if q.Get("start") != "2026-03-02T14:00:00Z" || q.Get("end") != "2026-03-02T14:10:00Z" || q.Get("step") != "30" {
			t.Errorf("parameters start=%s end=%s step=%s", q.Get("start"), q.Get("end"), q.Get("step"))
		}
		a, ok := answers[q.Get("query")]
		if !ok {
			a = answer{http.StatusBadRequest, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPrometheusRange(t *testing.T) {
	ok := http.StatusOK
	answers := map[string]answer{
		"one_series": {ok, `{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"job":"shop"},"values":[[1772460000,"0.25"],[1772460030,"NaN"],[1772460060,"1e-3"],[1772460090.5,"+Inf"],[1772460120,"0"]]}]}}`},
		"no_series": {ok, `{"status":"success","data":{"resultType":"matrix","result":[]}}`},
		"two_series": {ok, `{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"pod":"a"},"values":[[1772460000,"1"]]},
			{"metric":{"pod":"b"},"values":[[1772460000,"2"]]}]}}`},
		"vector":    {ok, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1772460000,"1"]}]}}`},
		"bad_value": {ok, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1772460000,"fast"]]}]}}`},
		"bad_pair":  {ok, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1772460000]]}]}}`},
		"gateway":   {http.StatusBadGateway, `<html>bad gateway</html>`},
		"not_json":  {ok, `<html>`},
	}
	srv := fakePrometheus(t, answers)
	p := Prometheus{URL: srv.URL + "/prom/", Client: srv.Client()}
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	end := start.Add(10 * time.Minute)

	tests := []struct {
		query string
		want  []float64
		err   string
	}{
		{query: "one_series", want: []float64{0.25, 0.001, 0}},
		{query: "no_series", want: nil},
		{query: "two_series", err: "2 series (first map[pod:a], second map[pod:b]); aggregate the query"},
		{query: "vector", err: `result type "vector", want matrix`},
		{query: "bad_value", err: `value: strconv.ParseFloat: parsing "fast"`},
		{query: "bad_pair", err: `want [time, "value"]`},
		{query: "rate(", err: "HTTP 400: bad_data: 1:5: parse error"},
		{query: "gateway", err: "HTTP 502 Bad Gateway"},
		{query: "not_json", err: "decode response"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := p.Range(context.Background(), tt.query, start, end, 30*time.Second)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), `query_range "`+tt.query+`"`) {
					t.Errorf("error %q does not name the query", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Range: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Range = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPrometheusRangeRejectsBeforeAsking(t *testing.T) {
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		url        string
		start, end time.Time
		step       time.Duration
		err        string
	}{
		{"relative_url", "prometheus:9090", start, start, time.Second, "not an absolute http(s) URL"},
		{"empty_url", "", start, start, time.Second, "not an absolute http(s) URL"},
		{"zero_step", "http://prometheus:9090", start, start, 0, "step 0s must be positive"},
		{"end_before_start", "http://prometheus:9090", start, start.Add(-time.Minute), time.Second, "is before start"},
		{"password_is_not_shown", "http://admin:hunter2@prometheus:9090", start, start, -time.Second, "admin:xxxxx@prometheus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prometheus{URL: tt.url}.Range(context.Background(), "up", tt.start, tt.end, tt.step)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error = %v, want one containing %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestPrometheusRangeStopsWithContext(t *testing.T) {
	srv := fakePrometheus(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	_, err := Prometheus{URL: srv.URL}.Range(ctx, "up", start, start.Add(time.Minute), time.Second)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error = %v, want context canceled", err)
	}
}
