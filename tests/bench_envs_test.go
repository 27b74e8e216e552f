package tests

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// BenchmarkQueuedReleaseStart measures how soon a release waiting for
// prod starts deploying once the release holding it lets go: from the end
// of the holder's Promote (after which it lets go) to the start of the
// waiting release's first prod activity (its first service's Verify). The
// real workflows run on the embedded server (SQLite) with stand-in
// activities; the claim is the real activity. One iteration is 20 pairs.
//
//	go test ./tests/ -run '^$' -bench BenchmarkQueuedReleaseStart -benchtime 1x
func BenchmarkQueuedReleaseStart(b *testing.B) {
	const pairs = 20
	var mu sync.Mutex
	gates := map[string]chan struct{}{} // the holder's prod canary waits here
	acts := &standIns{hold: func(ctx context.Context, name, workflowID string) {
		if name != "AnalyzeCanary" {
			return
		}
		mu.Lock()
		ch := gates[workflowID]
		mu.Unlock()
		if ch != nil {
			select {
			case <-ch:
			case <-ctx.Done():
			}
		}
	}}
	c := startOrchestration(b, acts)
	rs := control.Releases{Client: c}
	p := orchPipeline(b, pipelineSpec{product: "bench-queue", services: 1, canary: true})
	var samples []time.Duration
	train := 0
	for b.Loop() {
		for range pairs {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			train += 2
			holder, waiter := fmt.Sprintf("v1.%d.0", train), fmt.Sprintf("v1.%d.0", train+1)
			gate := make(chan struct{})
			mu.Lock()
			gates[workflows.DeployID(p.Product, holder, config.Prod, "svc-01")] = gate
			mu.Unlock()
			acts.take()
			startReleases(ctx, b, rs, p, []string{holder})
			waitQueued(ctx, b, rs, p.Product, holder, "")
			startReleases(ctx, b, rs, p, []string{waiter})
			waitQueued(ctx, b, rs, p.Product, waiter, "waiting for "+holder+" to finish deploying prod")
			close(gate)
			for _, v := range []string{holder, waiter} {
				if st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, v)); err != nil || st.State != workflows.Succeeded {
					b.Fatalf("%s ended %s: %v %s", v, st.State, err, st.Error)
				}
			}
			var letGo, started time.Time
			for _, r := range acts.take() {
				switch {
				case r.name == "Promote" && r.workflowID == workflows.ReleaseID(p.Product, holder):
					letGo = r.end
				case r.name == "Verify" && strings.HasPrefix(r.workflowID, workflows.DeployID(p.Product, waiter, config.Prod, "")) && started.IsZero():
					started = r.start
				}
			}
			if letGo.IsZero() || started.IsZero() {
				b.Fatalf("pair %s/%s: promote at %s, first prod verify at %s", holder, waiter, letGo, started)
			}
			samples = append(samples, started.Sub(letGo))
			cancel()
		}
	}
	slices.Sort(samples)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(samples[len(samples)/2]), "p50-ms")
	b.ReportMetric(ms(samples[(len(samples)*95+99)/100-1]), "p95-ms")
	b.ReportMetric(ms(samples[len(samples)-1]), "max-ms")
	b.ReportMetric(float64(len(samples)), "samples")
}

// waitQueued waits until a release is at its canary stage: deploying if
// detail is "", or waiting with detail.
func waitQueued(ctx context.Context, tb testing.TB, rs control.Releases, product, version, detail string) {
	tb.Helper()
	for {
		st, err := rs.Status(ctx, product, version)
		if err == nil && st.Stage == workflows.StageCanary {
			s := st.Stages[slices.IndexFunc(st.Stages, func(s workflows.StageStatus) bool { return s.Name == workflows.StageCanary })]
			if (detail == "" && st.Deploying != "") || (detail != "" && s.State == workflows.Waiting && s.Detail == detail) {
				return
			}
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s %s never at its canary (%q): last %v", product, version, detail, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
