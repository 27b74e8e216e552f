package tests

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/pgtest"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// BenchmarkWaitingReleases is the load of issue [scale]: thousands of
// releases waiting at their QA signoff gate on one worker process, with the
// Temporal server in a process of its own (the worker binary with --dev
// --roles none), on SQLite and on PostgreSQL (pgtest's).
//
// This process is the worker: one orchestrate worker with the real
// workflows and the real ClaimEnv and ReadEnv, and stand-ins of the other
// roles' activities on their own queues, as BenchmarkSignalToActivity runs
// them; its sticky cache holds SIGNALMAN_LOAD_CACHED_WORKFLOWS workflows,
// as the worker's --max-cached-workflows does. The releases are started at
// a steady rate by a few starters and wait at the gate; once all wait, they
// are signed off through control.Releases.Send, as the CLI does: a few one
// at a time (what one person's signoff meets), then the rest in bursts. A
// sample is the time from just before a signoff is sent to the start of
// the activity the release runs next (FreezeCheck). Every release must
// then succeed. Throughout, the Go heap and stacks are sampled and the peak
// RSS read; at the end the histories of a sample of the releases, their
// deploys and the environments' records are measured.
//
// SIGNALMAN_LOAD_* (see loadConfigFromEnv) size the load; the defaults are
// the 10,000 releases, of 100 products. Both figures depend on the
// machine's load, which it logs at the start, at the gates and at the end,
// with the cores the worker, the server and the rest kept busy.
//
//	SIGNALMAN_LOAD_RELEASES=200 go test ./tests/ -run '^$' -bench 'WaitingReleases/store=sqlite' -benchtime 1x -timeout 3h
func BenchmarkWaitingReleases(b *testing.B) {
	cfg := loadConfigFromEnv(b)
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run("store="+store, func(b *testing.B) {
			db := ""
			if store == "postgres" {
				db = pgtest.Start(b).URL("temporal")
			}
			// Process-wide, read when the first worker starts; the cache
			// is made anew once every worker of a previous case stopped.
			worker.SetStickyWorkflowCacheSize(cfg.cached)
			l := startLoad(b, cfg, db)
			for b.Loop() {
				l.run(b)
			}
		})
	}
}

// loadConfig sizes BenchmarkWaitingReleases.
type loadConfig struct {
	// releases wait at their gates at once, of products products.
	releases, products int
	// cached is the sticky cache's size (--max-cached-workflows).
	cached int
	// startRate is how many releases a minute are started (0: as fast as
	// the starters go), by starters at a time.
	startRate, starters int
	// single releases are signed off one at a time first; then burst
	// signoffs are sent at once, and the next burst after pause.
	single, burst int
	pause         time.Duration
}

// loadConfigFromEnv reads SIGNALMAN_LOAD_RELEASES (10000), _PRODUCTS (100),
// _CACHED_WORKFLOWS (app.DefaultMaxCachedWorkflows, the worker's default), _START_RATE (releases a
// minute, 0: unbounded; 250), _STARTERS (8), _SINGLE (50), _BURST (200)
// and _PAUSE (1s).
func loadConfigFromEnv(b *testing.B) loadConfig {
	num := func(name string, def int) int {
		s := os.Getenv("SIGNALMAN_LOAD_" + name)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			b.Fatalf("SIGNALMAN_LOAD_%s=%q: want a whole number", name, s)
		}
		return n
	}
	cfg := loadConfig{
		releases:  max(num("RELEASES", 10000), 1),
		products:  max(num("PRODUCTS", 100), 1),
		cached:    max(num("CACHED_WORKFLOWS", app.DefaultMaxCachedWorkflows), 1),
		startRate: num("START_RATE", 250),
		starters:  max(num("STARTERS", 8), 1),
		single:    num("SINGLE", 50),
		burst:     max(num("BURST", 200), 1),
		pause:     time.Second,
	}
	if s := os.Getenv("SIGNALMAN_LOAD_PAUSE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("SIGNALMAN_LOAD_PAUSE=%q: want a duration such as 1s", s)
		}
		cfg.pause = d
	}
	return cfg
}

// load is the server, the worker and the pipelines of BenchmarkWaitingReleases.
type load struct {
	cfg       loadConfig
	c         client.Client
	rs        control.Releases
	server    *serverProc
	pipelines []config.Pipeline
	// next is where the next activity after a signoff is told when it
	// started: workflow ID -> chan time.Time.
	next sync.Map
	// claiming holds the claimed channel of each release that has not yet
	// claimed prod: workflow ID -> chan struct{}.
	claiming sync.Map
	train    int
}

// loadRelease is one release of the load.
type loadRelease struct {
	product, version, id string
	// claimed closes once the release has claimed prod, or will not.
	claimed chan struct{}
}

func startLoad(b *testing.B, cfg loadConfig, db string) *load {
	l := &load{cfg: cfg, server: startServerProc(b, db)}
	acts := &standIns{untracked: true}
	acts.onStart = func(name, workflowID string, at time.Time) {
		if name != contract.FreezeCheckName {
			return
		}
		if ch, ok := l.next.LoadAndDelete(workflowID); ok {
			ch.(chan time.Time) <- at
		}
	}
	acts.onClaimed = func(req contract.ClaimRequest) {
		if req.Env == config.Prod {
			l.claimedProd(req.Claim.ID)
		}
	}
	l.c = orchestrationOn(b, acts, l.server.addr, 1)
	l.rs = control.Releases{Client: l.c}
	for i := range cfg.products {
		l.pipelines = append(l.pipelines, orchPipeline(b, pipelineSpec{product: fmt.Sprintf("load-%02d", i+1), services: 1, qa: true}))
	}
	return l
}

// releases are the next round's releases, the products taking turns.
func (l *load) releases() []loadRelease {
	rels := make([]loadRelease, l.cfg.releases)
	for i := range rels {
		if i%len(l.pipelines) == 0 {
			l.train++
		}
		p := l.pipelines[i%len(l.pipelines)].Product
		v := fmt.Sprintf("v1.%d.0", l.train)
		rels[i] = loadRelease{product: p, version: v, id: workflows.ReleaseID(p, v), claimed: make(chan struct{})}
		l.claiming.Store(rels[i].id, rels[i].claimed)
	}
	return rels
}

// claimedProd notes that a release has claimed prod, or never will.
func (l *load) claimedProd(id string) {
	if ch, ok := l.claiming.LoadAndDelete(id); ok {
		close(ch.(chan struct{}))
	}
}

// run is one round: start, wait at the gates, sign off, finish, measure.
func (l *load) run(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rels := l.releases()
	b.Logf("%d releases of %d products, sticky cache %d, start rate %d a minute (0: unbounded) by %d starters, %d signoffs one at a time, then bursts of %d every %s",
		len(rels), len(l.pipelines), l.cfg.cached, l.cfg.startRate, l.cfg.starters, l.cfg.single, l.cfg.burst, l.cfg.pause)
	logLoad(b, "start")
	mem := sampleMemory(l.server.pid)
	cpu := []cpuSample{sampleCPU(l.server.pid)}
	began := time.Now()

	starting := l.start(ctx, b, rels)
	l.waitAtGates(ctx, b, len(rels), began, mem)
	toGate := time.Since(began)
	cpu = append(cpu, sampleCPU(l.server.pid))
	logLoad(b, "all at the gates")
	if err := <-starting; err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	waitingHeap, waitingRSS := goMemory(), mem.rss()

	single, burst, failed := l.signOff(ctx, b, rels)
	total := time.Since(began)
	cpu = append(cpu, sampleCPU(l.server.pid))
	logLoad(b, "all done")
	peak := mem.stop()
	b.Logf("CPU to the gates: %s", cpu[0].share(cpu[1]))
	b.Logf("CPU signing off to done: %s", cpu[1].share(cpu[2]))

	events := l.checkHistories(ctx, b, rels)

	b.ReportMetric(float64(len(rels)), "releases")
	b.ReportMetric(float64(l.cfg.cached), "cached-workflows")
	b.ReportMetric(float64(len(rels))/toGate.Minutes(), "to-gate-releases/min")
	b.ReportMetric(toGate.Seconds(), "to-gate-s")
	b.ReportMetric(total.Seconds(), "total-s")
	b.ReportMetric(float64(failed), "failed")
	if peak.rssKiB > 0 {
		b.ReportMetric(float64(peak.rssKiB)/(1<<10), "peak-rss-MiB")
	}
	b.ReportMetric(float64(peak.heap)/(1<<20), "heap-peak-MiB")
	b.ReportMetric(float64(waitingHeap)/(1<<20), "waiting-heap-MiB")
	b.ReportMetric(float64(waitingRSS)/(1<<10), "waiting-rss-MiB")
	b.ReportMetric(float64(peak.serverKiB)/(1<<10), "server-rss-MiB")
	for _, m := range []struct {
		prefix string
		lat    []time.Duration
	}{{"gate-single-", single}, {"gate-burst-", burst}} {
		if len(m.lat) == 0 {
			continue
		}
		p50, p95, top := spread(m.lat)
		b.ReportMetric(p50, m.prefix+"p50-ms")
		b.ReportMetric(p95, m.prefix+"p95-ms")
		b.ReportMetric(top, m.prefix+"max-ms")
	}
	b.ReportMetric(float64(events), "history-max-events")
	b.ReportMetric(cpu[0].workerCores(cpu[2]), "worker-cores")
	b.ReportMetric(cpu[0].serverCores(cpu[2]), "server-cores")
}

// start starts every release from a few starters at the configured rate;
// what it returns reports once all have been started.
func (l *load) start(ctx context.Context, b *testing.B, rels []loadRelease) <-chan error {
	todo := make(chan loadRelease)
	go func() {
		defer close(todo)
		var tick <-chan time.Time
		if l.cfg.startRate > 0 {
			t := time.NewTicker(time.Minute / time.Duration(l.cfg.startRate))
			defer t.Stop()
			tick = t.C
		}
		for _, r := range rels {
			if tick != nil {
				<-tick
			}
			select {
			case todo <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	pipelines := map[string]config.Pipeline{}
	for _, p := range l.pipelines {
		pipelines[p.Product] = p
	}
	done := make(chan error, 1)
	var failed atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range l.cfg.starters {
		wg.Go(func() {
			for r := range todo {
				_, _, err := l.rs.Start(ctx, workflows.ReleaseInput{Pipeline: pipelines[r.product], Version: r.version, TriggeredBy: "alice"})
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		})
	}
	began := time.Now()
	go func() {
		wg.Wait()
		took := time.Since(began)
		line := fmt.Sprintf("started %d releases in %s (%.0f a minute)", len(rels), took.Round(time.Second), float64(len(rels))/took.Minutes())
		fmt.Fprintln(os.Stderr, "load: "+line)
		b.Log(line)
		if n := failed.Load(); n > 0 {
			done <- fmt.Errorf("%d releases did not start; the first: %v", n, first.Load())
			return
		}
		done <- nil
	}()
	return done
}

// waitAtGates waits until n releases wait at their QA signoff gate, asking
// the server's visibility store every two seconds how many do; a release
// that ended before its gate fails the benchmark.
func (l *load) waitAtGates(ctx context.Context, b *testing.B, n int, began time.Time, mem *memSampler) {
	count := func(query string) int64 {
		resp, err := l.c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			b.Fatalf("count %q: %v", query, err)
		}
		return resp.GetCount()
	}
	waiting := fmt.Sprintf("WorkflowType = 'ReleaseWorkflow' AND ExecutionStatus = 'Running' AND %s = '%s'", workflows.StageKey.GetName(), workflows.StageQASignoff)
	ended := "WorkflowType = 'ReleaseWorkflow' AND ExecutionStatus != 'Running'"
	last, moved, told := int64(-1), time.Now(), time.Now()
	for {
		w := count(waiting)
		if e := count(ended); e > 0 {
			b.Fatalf("%d releases ended before their gate (%d waiting)", e, w)
		}
		if w >= int64(n) {
			progress(b, "at the gates", began, w, n, mem)
			return
		}
		if w != last {
			last, moved = w, time.Now()
		}
		if time.Since(moved) > 10*time.Minute {
			b.Fatalf("no release reached its gate in 10 minutes: %d of %d wait", w, n)
		}
		if time.Since(told) >= 30*time.Second {
			progress(b, "to the gates", began, w, n, mem)
			told = time.Now()
		}
		time.Sleep(2 * time.Second)
	}
}

// checkHistories measures the histories of twenty releases spread over the
// round, with their deploys, and of every environment's record, logs the
// largest run of each workflow type, fails on a run at or over Temporal's
// warning of 10,240 events, and returns the largest count.
func (l *load) checkHistories(ctx context.Context, b *testing.B, rels []loadRelease) int {
	const warn = 10240
	var ids []string
	for i := range 20 {
		ids = append(ids, rels[i*len(rels)/20].id)
	}
	for _, p := range l.pipelines {
		ids = append(ids, contract.EnvID(p.Product, config.Stage), contract.EnvID(p.Product, config.Prod))
	}
	largest := map[string]runSize{}
	for _, id := range slices.Compact(ids) {
		desc, err := l.c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			b.Fatalf("describe %s: %v", id, err)
		}
		runs, err := historySizes(ctx, l.c, id, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range runs {
			if r.events >= warn {
				b.Errorf("%s run %d has %d events, at or over Temporal's warning of %d", r.id, r.run, r.events, warn)
			}
			if r.events > largest[r.workflowType].events {
				largest[r.workflowType] = r
			}
		}
	}
	top := 0
	for typ, r := range largest {
		b.Logf("history: largest %s run: %s run %d, %d events, %d bytes", typ, r.id, r.run, r.events, r.bytes)
		top = max(top, r.events)
	}
	return top
}

// progress tells how far the releases have got, on stderr, as it happens.
func progress(b *testing.B, what string, began time.Time, done int64, n int, mem *memSampler) {
	took := time.Since(began)
	line := fmt.Sprintf("load: %s %s: %d of %d (%.0f a minute), heap %d MiB, RSS %d MiB, load average %s",
		took.Round(time.Second), what, done, n, float64(done)/took.Minutes(), goMemory()>>20, mem.rss()>>10, loadAvg())
	fmt.Fprintln(os.Stderr, line)
	if int(done) >= n {
		b.Log(line)
	}
}
