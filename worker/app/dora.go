package app

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/dora"
	"github.com/signalman/signalman/workflows/control"
)

// DORAOptions configure the DORA gauges the worker serves with its metrics.
// The zero value recomputes every minute over the last 30 days.
type DORAOptions struct {
	// Every is how often the gauges are recomputed.
	Every time.Duration
	// Window is how far back the metrics look.
	Window time.Duration
	// Envs are the environments signalman_deployed_info reports on
	// (default stage and prod).
	Envs []string
}

// doraSource reads DORA reports; control.DORAHistory is one.
type doraSource interface {
	Products(ctx context.Context, since time.Duration) ([]string, error)
	Report(ctx context.Context, product string, since time.Duration) (dora.Report, error)
}

// startDORA recomputes the DORA gauges of every recently released product,
// and what each runs where (signalman_deployed_info), until stop is called
// or ctx is done. With no registry (metrics off) it
// does nothing.
func startDORA(ctx context.Context, c client.Client, reg prometheus.Registerer, o DORAOptions, log *slog.Logger) (stop func()) {
	if reg == nil {
		return func() {}
	}
	g, err := newDORAGauges(reg)
	if err != nil {
		log.Error("DORA gauges not served", "error", err)
		return func() {}
	}
	deployed, err := newDeployedInfo(reg)
	if err != nil {
		log.Error("deployed info not served", "error", err)
		return func() {}
	}
	rs := control.Releases{Client: c}
	if o.Every <= 0 {
		o.Every = time.Minute
	}
	if o.Window <= 0 {
		o.Window = 30 * 24 * time.Hour
	}
	src := control.NewDORAHistory(rs)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(o.Every)
		defer tick.Stop()
		for {
			rctx, done := context.WithTimeout(ctx, o.Every)
			g.refresh(rctx, src, o.Window, log)
			deployed.refresh(rctx, rs, g.products, o.Envs, log)
			done()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}

// doraGauges are the DORA metrics as Prometheus gauges, labelled by product.
type doraGauges struct {
	deploysPerDay *prometheus.GaugeVec
	leadTime      *prometheus.GaugeVec
	failureRate   *prometheus.GaugeVec
	timeToRestore *prometheus.GaugeVec
	// products are those exported, to drop the ones no longer released.
	products []string
}

func newDORAGauges(reg prometheus.Registerer) (*doraGauges, error) {
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"product"})
	}
	g := &doraGauges{
		deploysPerDay: gauge("signalman_dora_deploys_per_day",
			"Successful releases that reached production (canary started) in the window, per day."),
		leadTime: gauge("signalman_dora_lead_time_seconds",
			"Median, over the commits of those releases, of promote-stage end minus commit author time."),
		failureRate: gauge("signalman_dora_change_failure_rate",
			"Releases that failed in production or were rolled back later, over releases that reached production in the window."),
		timeToRestore: gauge("signalman_dora_time_to_restore_seconds",
			"Median per failed change: release end minus canary start (automatic rollback), or rollback end minus promote-stage end (manual)."),
	}
	for _, c := range g.all() {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *doraGauges) all() []*prometheus.GaugeVec {
	return []*prometheus.GaugeVec{g.deploysPerDay, g.leadTime, g.failureRate, g.timeToRestore}
}

// refresh recomputes every product's gauges. A product whose report cannot
// be read keeps its last values; one no longer released loses its gauges.
func (g *doraGauges) refresh(ctx context.Context, src doraSource, window time.Duration, log *slog.Logger) {
	products, err := src.Products(ctx, window)
	if err != nil {
		log.Warn("DORA gauges not refreshed", "error", err)
		return
	}
	for _, p := range g.products {
		if !slices.Contains(products, p) {
			g.drop(p, g.all()...)
		}
	}
	g.products = products
	for _, p := range products {
		rep, err := src.Report(ctx, p, window)
		if err != nil {
			log.Warn("DORA gauges not refreshed", "product", p, "error", err)
			continue
		}
		g.set(rep)
	}
}

// set exports one report; a metric with no data is dropped, not set to 0.
func (g *doraGauges) set(r dora.Report) {
	l := prometheus.Labels{"product": r.Product}
	g.deploysPerDay.With(l).Set(r.DeploysPerDay)
	if r.LeadTime != nil {
		g.leadTime.With(l).Set(time.Duration(r.LeadTime.Median).Seconds())
	} else {
		g.drop(r.Product, g.leadTime)
	}
	if r.ChangeFailureRate != nil {
		g.failureRate.With(l).Set(*r.ChangeFailureRate)
	} else {
		g.drop(r.Product, g.failureRate)
	}
	if r.TimeToRestore != nil {
		g.timeToRestore.With(l).Set(time.Duration(r.TimeToRestore.Median).Seconds())
	} else {
		g.drop(r.Product, g.timeToRestore)
	}
}

func (g *doraGauges) drop(product string, gauges ...*prometheus.GaugeVec) {
	for _, v := range gauges {
		v.Delete(prometheus.Labels{"product": product})
	}
}
