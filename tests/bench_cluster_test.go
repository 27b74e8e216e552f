package tests

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/pgtest"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// BenchmarkReleasesPerMinute runs 40 releases of a two-service pipeline
// with no gates (instant stand-in activities) at once on the server on
// PostgreSQL, with one and with two orchestrate workers (each with its own
// connection) sharing the workflows' queue, and reports releases finished
// per minute. Server, workers and database share this machine's cores.
//
//	go test ./tests/ -run '^$' -bench BenchmarkReleasesPerMinute -benchtime 1x
func BenchmarkReleasesPerMinute(b *testing.B) {
	const releases = 40
	pg := pgtest.Start(b)
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("orchestrators=%d", n), func(b *testing.B) {
			c := orchestration(b, &standIns{}, pg.URL(fmt.Sprintf("temporal_%d", n)), n)
			rs := control.Releases{Client: c}
			p := orchPipeline(b, pipelineSpec{product: "bench-rate", services: 2})
			train := 0
			var total time.Duration
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				versions := make([]string, releases)
				for i := range versions {
					train++
					versions[i] = fmt.Sprintf("v1.%d.0", train)
				}
				began := time.Now()
				startReleases(ctx, b, rs, p, versions)
				var wg sync.WaitGroup
				for _, v := range versions {
					wg.Go(func() {
						st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, v))
						if err == nil && st.State != workflows.Succeeded {
							err = fmt.Errorf("%s ended %s: %s", v, st.State, st.Error)
						}
						if err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
				total += time.Since(began)
				cancel()
			}
			b.ReportMetric(float64(releases*b.N)/total.Minutes(), "releases/min")
		})
	}
}
