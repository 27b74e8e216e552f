package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/dora"
)

// fakeDORA serves fixed reports.
type fakeDORA struct {
	reports map[string]dora.Report
	failing map[string]bool
}

func (f fakeDORA) Products(context.Context, time.Duration) ([]string, error) {
	var ps []string
	for p := range f.reports {
		ps = append(ps, p)
	}
	return ps, nil
}

func (f fakeDORA) Report(_ context.Context, product string, _ time.Duration) (dora.Report, error) {
	if f.failing[product] {
		return dora.Report{}, errors.New("Temporal unreachable")
	}
	return f.reports[product], nil
}

func TestDORAGauges(t *testing.T) {
	half := 0.5
	zero := 0.0
	shop := dora.Report{
		Product: "shop", Releases: 4, Deploys: 3, DeploysPerDay: 0.1,
		LeadTime:          &dora.Quantiles{Samples: 5, Median: dora.Duration(4 * time.Hour)},
		ChangeFailureRate: &half,
		TimeToRestore:     &dora.Quantiles{Samples: 2, Median: dora.Duration(200 * time.Minute)},
	}
	// Released once, with no commit times and no failure.
	blog := dora.Report{Product: "blog", Releases: 1, Deploys: 1, DeploysPerDay: 1.0 / 30, ChangeFailureRate: &zero}
	// Nothing reached production.
	docs := dora.Report{Product: "docs"}

	rounds := []struct {
		name    string
		source  fakeDORA
		present []string
		absent  []string
	}{
		{
			name:   "metrics_with_data_are_exported_per_product",
			source: fakeDORA{reports: map[string]dora.Report{"shop": shop, "blog": blog, "docs": docs}},
			present: []string{
				`signalman_dora_deploys_per_day{product="shop"} 0.1`,
				`signalman_dora_lead_time_seconds{product="shop"} 14400`,
				`signalman_dora_change_failure_rate{product="shop"} 0.5`,
				`signalman_dora_time_to_restore_seconds{product="shop"} 12000`,
				`signalman_dora_deploys_per_day{product="blog"} 0.03333333333333333`,
				`signalman_dora_change_failure_rate{product="blog"} 0`,
				`signalman_dora_deploys_per_day{product="docs"} 0`,
			},
			absent: []string{
				`signalman_dora_lead_time_seconds{product="blog"}`,
				`signalman_dora_time_to_restore_seconds{product="blog"}`,
				`signalman_dora_lead_time_seconds{product="docs"}`,
				`signalman_dora_change_failure_rate{product="docs"}`,
				`signalman_dora_time_to_restore_seconds{product="docs"}`,
			},
		},
		{
			name: "product_no_longer_released_is_dropped_and_unreadable_one_kept",
			source: fakeDORA{
				reports: map[string]dora.Report{"shop": {}, "blog": {Product: "blog", DeploysPerDay: 0}},
				failing: map[string]bool{"shop": true},
			},
			present: []string{
				`signalman_dora_lead_time_seconds{product="shop"} 14400`,
				`signalman_dora_deploys_per_day{product="blog"} 0`,
			},
			absent: []string{
				`{product="docs"}`,
				`signalman_dora_change_failure_rate{product="blog"}`,
			},
		},
	}

	m, err := newMetrics("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	g, err := newDORAGauges(m.registry)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, r := range rounds {
		t.Run(r.name, func(t *testing.T) {
			g.refresh(context.Background(), r.source, 30*24*time.Hour, log)
			body := scrape(t, m.http)
			for _, line := range r.present {
				if !strings.Contains(body, line+"\n") {
					t.Errorf("metrics lack %s", line)
				}
			}
			for _, s := range r.absent {
				if strings.Contains(body, s) {
					t.Errorf("metrics have %s", s)
				}
			}
			if t.Failed() {
				t.Logf("metrics:\n%s", body)
			}
		})
	}
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestStartDORAWithMetricsOffDoesNothing(t *testing.T) {
	stop := startDORA(context.Background(), nil, nil, DORAOptions{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	stop()
}
