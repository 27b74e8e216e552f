package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/signalman/signalman/internal/canary"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy/router"
)

// AnalyzeCanary judges the canary on the traffic of its window (by default
// its step's pause): the router's records of every user request to the
// stable and the canary versions; test requests are left out. Too little
// traffic is never a pass: it comes back marginal and marked NoData, to be
// watched longer or decided by a person. So does too little on a critical metric (by default the error
// rate), whatever the others say, unless they fail the canary.
func (d *Deployer) AnalyzeCanary(ctx context.Context, req contract.AnalyzeRequest) (contract.Verdict, error) {
	if req.Step < 0 || req.Step >= len(req.Canary.Steps) {
		return contract.Verdict{}, badInput("canary of %s: no step %d", req.Service, req.Step)
	}
	rc, _, err := d.router(ctx, req.Product, req.Env, req.Service)
	if err != nil {
		return contract.Verdict{}, err
	}
	st, err := rc.State(ctx)
	if err != nil {
		return contract.Verdict{}, err
	}
	if !req.Baseline.IsZero() {
		return d.judgeBake(ctx, req, rc, st)
	}
	if st.Canary == nil {
		return contract.Verdict{Class: contract.Pass, Score: 100, Detail: "no canary to judge: the first version of the service went straight to stable"}, nil
	}
	window := req.Window
	if window <= 0 {
		window = req.Canary.Steps[req.Step].Pause
	}
	var baseline, canaryS map[string][]float64
	if req.Canary.Prometheus != "" {
		baseline, canaryS, err = prometheusSamples(ctx, req, st, window)
	} else {
		baseline, canaryS, err = routerSamples(ctx, rc, st, window)
	}
	if err != nil {
		return contract.Verdict{}, err
	}
	return verdict(req, baseline, canaryS, window), nil
}

// judgeBake judges a service during its bake: the version now serving
// (the new one, promoted to stable) on its requests of the last window,
// against the previous version (still running, kept for an instant
// rollback) on its requests of the window before the new one took all the
// traffic. Both come from the router's records.
func (d *Deployer) judgeBake(ctx context.Context, req contract.AnalyzeRequest, rc router.Client, st router.State) (contract.Verdict, error) {
	prev, err := d.previous(req.Product, req.Env, req.Service)
	if err != nil {
		return contract.Verdict{}, err
	}
	if prev == nil || st.Stable == nil {
		return contract.Verdict{Class: contract.Pass, Score: 100, Bake: true, Detail: "no previous version to compare with"}, nil
	}
	window := req.Window
	reqs, err := rc.Requests(ctx, req.Baseline.Add(-window))
	if err != nil {
		return contract.Verdict{}, err
	}
	recent := time.Now().Add(-window)
	var pairs []canary.Request
	for _, r := range reqs {
		var backend string
		switch {
		case r.Test:
			continue
		case r.Version == prev.Version && !r.At.After(req.Baseline):
			backend = canary.Stable
		case r.Version == st.Stable.Version && !r.At.Before(recent):
			backend = canary.Canary
		default:
			continue
		}
		pairs = append(pairs, canary.Request{Backend: backend, At: r.At, Latency: r.Latency, Status: r.Status})
	}
	baseline, canaryS := canary.Samples(pairs, interval(window))
	v := verdict(req, baseline, canaryS, window)
	v.Bake = true
	return v, nil
}

// verdict judges canary samples against baseline ones for req's step.
func verdict(req contract.AnalyzeRequest, baseline, canaryS map[string][]float64, window time.Duration) contract.Verdict {
	res := canary.Judge(judgeConfig(req.Canary), baseline, canaryS)
	v := contract.Verdict{Step: req.Step, Weight: req.Canary.Steps[req.Step].Weight, Score: res.Score, Detail: res.Summary(), Window: window}
	switch res.Class {
	case canary.ClassPass:
		v.Class = contract.Pass
	case canary.ClassFail:
		v.Class = contract.Fail
	case canary.ClassNoData:
		v.Class, v.NoData = contract.Marginal, true
	default:
		v.Class = contract.Marginal
	}
	return v
}

// routerSamples are the samples from the router's records of the window.
func routerSamples(ctx context.Context, rc router.Client, st router.State, window time.Duration) (baseline, canaryS map[string][]float64, err error) {
	reqs, err := rc.Requests(ctx, time.Now().Add(-window))
	if err != nil {
		return nil, nil, err
	}
	baseline, canaryS = canary.Samples(judgeRequests(reqs, st), interval(window))
	return baseline, canaryS, nil
}

// prometheusQueries are the range queries per metric, over the metrics
// the routers export, for one pool and version. Prometheus must scrape
// each router's admin /metrics with the labels service and env set to the
// service and environment it fronts (in its scrape configuration). These
// metrics count user traffic only: test requests have a counter of their own.
var prometheusQueries = map[string]string{
	canary.ErrorRate: `sum(rate(router_request_errors_total{%[1]s}[%[2]s])) / sum(rate(router_requests_total{%[1]s}[%[2]s]))`,
	canary.Latency:   `histogram_quantile(0.5, sum by (le) (rate(router_request_duration_seconds_bucket{%[1]s}[%[2]s])))`,
}

// prometheusSamples are the samples from a Prometheus server's HTTP API:
// each metric as a time series over the window, for the stable and the
// canary pools.
func prometheusSamples(ctx context.Context, req contract.AnalyzeRequest, st router.State, window time.Duration) (baseline, canaryS map[string][]float64, err error) {
	p := canary.Prometheus{URL: req.Canary.Prometheus}
	step := interval(window)
	end := time.Now()
	start := end.Add(-window)
	rateWindow := fmt.Sprintf("%dms", (2 * step).Milliseconds())
	baseline, canaryS = map[string][]float64{}, map[string][]float64{}
	for _, m := range req.Canary.Metrics {
		q, ok := prometheusQueries[m.Name]
		if !ok {
			return nil, nil, badInput("canary of %s: no Prometheus query for metric %q", req.Service, m.Name)
		}
		for _, side := range []struct {
			pool *router.Pool
			name string
			into map[string][]float64
		}{{st.Stable, router.PoolStable, baseline}, {st.Canary, router.PoolCanary, canaryS}} {
			if side.pool == nil {
				continue
			}
			sel := fmt.Sprintf(`service=%q,env=%q,pool=%q,version=%q`, req.Service, req.Env, side.name, side.pool.Version)
			values, err := p.Range(ctx, fmt.Sprintf(q, sel, rateWindow), start, end, step)
			if err != nil {
				return nil, nil, fmt.Errorf("canary of %s: %w", req.Service, err)
			}
			side.into[m.Name] = values
		}
	}
	return baseline, canaryS, nil
}

// judgeRequests keeps the records of the two versions being compared, of
// user traffic only: a test request (a smoke test sent to the canary with
// router.HeaderRoute) says nothing of how users fare.
func judgeRequests(reqs []router.Request, st router.State) []canary.Request {
	out := make([]canary.Request, 0, len(reqs))
	for _, r := range reqs {
		var backend string
		switch {
		case r.Test:
			continue
		case r.Pool == router.PoolCanary && r.Version == st.Canary.Version:
			backend = canary.Canary
		case r.Pool == router.PoolStable && st.Stable != nil && r.Version == st.Stable.Version:
			backend = canary.Stable
		default:
			continue
		}
		out = append(out, canary.Request{Backend: backend, At: r.At, Latency: r.Latency, Status: r.Status})
	}
	return out
}

// interval is the bucket error rates are computed over: a window yields
// about twice the judge's minimum of samples per side, so a canary with
// little traffic still has enough buckets to be judged.
func interval(window time.Duration) time.Duration {
	return max(window/(2*canary.DefaultMinSamples), 100*time.Millisecond)
}

// judgeConfig maps the pipeline's canary settings to the judge's. A metric
// whose critical is unset, as in a pipeline recorded before it existed,
// takes the default for its name; no metrics at all leave the judge's
// defaults, in which the error rate is critical too.
func judgeConfig(c config.Canary) canary.Config {
	cfg := canary.Config{Confidence: c.Confidence, Marginal: c.Marginal, Pass: c.Pass}
	for _, m := range c.Metrics {
		cfg.Metrics = append(cfg.Metrics, canary.Metric{
			Name: m.Name, Direction: m.Direction, Weight: m.Weight,
			Tolerance: m.Tolerance, AbsTolerance: m.AbsTolerance, Critical: m.IsCritical(),
		})
	}
	return cfg
}
