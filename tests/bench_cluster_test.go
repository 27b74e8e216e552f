package tests

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/pgtest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

var (
	orchestratorCPU = flag.Float64("orchestrator-cpu", 0.03, "BenchmarkReleasesPerMinute: the CPU cap of each orchestrate process, in cores (0: no cap)")
	scaleReleases   = flag.Int("scale-releases", 30, "BenchmarkReleasesPerMinute: releases started at once in each case")
)

// BenchmarkReleasesPerMinute shows that orchestrate processes share the
// workflows with no coordination of their own: Temporal's task queues
// hand each workflow task to whichever process polls. It runs the
// Temporal server as its own process on a throwaway PostgreSQL (a fresh
// database per case) and 1, 2 and 4 real worker processes with --roles
// orchestrate, each capped at -orchestrator-cpu of a core, so that the
// orchestrators and not the server bound the throughput on a small
// machine. The other roles' activities are the stand-ins, in this
// process, with two workers (each with its own client) on each deploy
// queue. Each case warms up, then starts -scale-releases releases of a
// two-service pipeline with no gates, each of its own product (one
// product's releases take its environments in turn), and reports the
// releases finished a minute, the CPU the server, PostgreSQL, the
// orchestrators and this process used, and how the orchestrators and the
// deployers shared the work; x-one is a case's releases a minute over
// those of one orchestrator.
//
//	go test ./tests/ -run '^$' -bench BenchmarkReleasesPerMinute -benchtime 1x -timeout 30m
func BenchmarkReleasesPerMinute(b *testing.B) {
	if *orchestratorCPU > 0 {
		if _, err := cpuController(); err != nil {
			b.Skipf("each orchestrator needs a CPU cap of its own, so that it and not the server bounds the throughput, and this machine lets the test make none: %v", err)
		}
	}
	pg := pgtest.Start(b)
	var one float64
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("orchestrators=%d", n), func(b *testing.B) {
			rate := scaleOut(b, pg, pg.URL(fmt.Sprintf("temporal_%d", n)), n)
			if n == 1 {
				one = rate
			} else if one > 0 {
				b.ReportMetric(rate/one, "x-one")
			}
		})
	}
}

// cluster is one case of BenchmarkReleasesPerMinute: the server process,
// the orchestrate processes and their caps, and the stand-in deployers.
type cluster struct {
	server        *e2e.Proc
	postgres      int
	orchestrators []*e2e.Proc
	caps          []*cpuCap
	// deployers are the stand-ins of each deploy queue's two workers.
	deployers map[string][]*standIns
}

// scaleOut runs one case of BenchmarkReleasesPerMinute with n
// orchestrators on database db of pg and returns its releases a minute.
func scaleOut(b *testing.B, pg *pgtest.Server, db string, n int) float64 {
	pgPID, err := pg.PID()
	if err != nil {
		b.Fatal(err)
	}
	cl := &cluster{postgres: pgPID, deployers: map[string][]*standIns{}}
	dir, addr := b.TempDir(), e2e.FreePort(b)
	cl.server = e2e.StartProcess(b, []string{"--dev", "--db", db, "--roles", "none", "--address", addr, "--ui", "", "--metrics", "", "--data", dir}, nil)
	c := dialBench(b, addr, "")
	cl.startStandIns(b, addr, c)
	for i := range n {
		name := fmt.Sprintf("orchestrator-%d", i+1)
		var limit *cpuCap
		if *orchestratorCPU > 0 {
			if limit, err = newCPUCap(b, fmt.Sprintf("signalman-bench-%d-%s", os.Getpid(), name), *orchestratorCPU); err != nil {
				b.Fatal(err)
			}
			cl.caps = append(cl.caps, limit)
		}
		p := e2e.StartProcess(b, []string{"--roles", "orchestrate", "--address", addr, "--metrics", "", "--data", filepath.Join(dir, name)}, nil)
		if limit != nil {
			if err := limit.add(p.PID()); err != nil {
				b.Fatal(err)
			}
		}
		cl.orchestrators = append(cl.orchestrators, p)
	}
	rs := control.Releases{Client: c}

	// The server's and the orchestrators' first workflows are slower.
	releaseAll(b, c, rs, "bench-warm", "v1.0.0", 4)
	for _, acts := range cl.deployers {
		for _, a := range acts {
			a.take()
		}
	}

	var rate float64
	for b.Loop() {
		b.Logf("load average before: %s", loadAvg())
		before := cl.usage(b)
		took := releaseAll(b, c, rs, "bench-rate", "v1.1.0", *scaleReleases)
		after := cl.usage(b)
		b.Logf("load average after: %s", loadAvg())
		rate = float64(*scaleReleases) / took.Minutes()
		cl.report(b, before, after, took)
	}
	b.ReportMetric(rate, "releases/min")
	cl.reportSharing(b, c, "bench-rate-")
	return rate
}

// startStandIns starts a worker of the stand-ins for every role's queue
// but the workflows', two on each deploy queue, each deployer with its
// own client and identity.
func (cl *cluster) startStandIns(b *testing.B, addr string, c client.Client) {
	serves, err := contract.ParseRoles("all", []string{config.Stage, config.Prod})
	if err != nil {
		b.Fatal(err)
	}
	shared := &standIns{}
	for _, s := range serves {
		if s.Role == contract.Orchestrate {
			continue
		}
		copies := 1
		if s.Role == contract.Deploy {
			copies = 2
		}
		for i := range copies {
			acts, wc := shared, c
			if s.Role == contract.Deploy {
				acts = &standIns{}
				wc = dialBench(b, addr, fmt.Sprintf("stand-in %s #%d", s, i+1))
				cl.deployers[s.String()] = append(cl.deployers[s.String()], acts)
			}
			w := worker.New(wc, s.Queue(), worker.Options{})
			acts.register(w, s.Role)
			if err := w.Start(); err != nil {
				b.Fatalf("start the %s stand-in worker: %v", s, err)
			}
			b.Cleanup(w.Stop)
		}
	}
}

// dialBench connects to the server at addr as identity (the SDK's default
// when empty), logging only errors.
func dialBench(b *testing.B, addr, identity string) client.Client {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	c, err := client.DialContext(ctx, client.Options{HostPort: addr, Identity: identity, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

// releaseAll starts version of count products named prefix-NN at once,
// each with its own two-service pipeline, waits until all have
// succeeded and returns the time that took.
func releaseAll(b *testing.B, c client.Client, rs control.Releases, prefix, version string, count int) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pipelines := make([]config.Pipeline, count)
	for i := range pipelines {
		pipelines[i] = orchPipeline(b, pipelineSpec{product: fmt.Sprintf("%s-%02d", prefix, i+1), services: 2})
	}
	began := time.Now()
	var wg sync.WaitGroup
	for _, p := range pipelines {
		wg.Go(func() {
			_, _, err := rs.Start(ctx, workflows.ReleaseInput{Pipeline: p, Version: version, TriggeredBy: "alice"})
			if err != nil {
				b.Errorf("start %s %s: %v", p.Product, version, err)
				return
			}
			st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, version))
			if err == nil && st.State != workflows.Succeeded {
				err = fmt.Errorf("ended %s: %s", st.State, st.Error)
			}
			if err != nil {
				b.Errorf("%s %s: %v", p.Product, version, err)
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return time.Since(began)
}

// usage is the CPU time each part of a case has used so far, and the
// orchestrators' throttling.
type usage struct {
	server, postgres, orchestrators, bench time.Duration
	machineBusy                            time.Duration
	periods, throttled                     int64
}

func (cl *cluster) usage(b *testing.B) usage {
	var u usage
	var err error
	read := func(pid int) time.Duration {
		d, e := procCPU(pid)
		if e != nil && err == nil {
			err = e
		}
		return d
	}
	u.server = read(cl.server.PID())
	u.postgres = read(cl.postgres)
	// This process is the parent of the others: only its own time.
	if d, e := ownCPU(os.Getpid()); e == nil {
		u.bench = d
	} else if err == nil {
		err = e
	}
	for _, p := range cl.orchestrators {
		u.orchestrators += read(p.PID())
	}
	for _, c := range cl.caps {
		periods, throttled, e := c.throttling()
		if e != nil && err == nil {
			err = e
		}
		u.periods += periods
		u.throttled += throttled
	}
	if busy, e := machineCPU(); e == nil {
		u.machineBusy = busy
	} else if err == nil {
		err = e
	}
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// report gives the CPU each part used during a run, in cores: what bounds
// the run is the part at its limit.
func (cl *cluster) report(b *testing.B, before, after usage, took time.Duration) {
	cores := func(d time.Duration) float64 { return d.Seconds() / took.Seconds() }
	orch := cores(after.orchestrators - before.orchestrators)
	b.ReportMetric(cores(after.server-before.server), "server-cores")
	b.ReportMetric(cores(after.postgres-before.postgres), "postgres-cores")
	b.ReportMetric(orch, "orchestrators-cores")
	b.ReportMetric(cores(after.bench-before.bench), "standins-cores")
	// The machine's cores busy, other processes' work included.
	b.ReportMetric(cores(after.machineBusy-before.machineBusy), "machine-busy-cores")
	if len(cl.caps) > 0 {
		b.ReportMetric(100*orch/(*orchestratorCPU*float64(len(cl.caps))), "cap-used-%")
		if periods := after.periods - before.periods; periods > 0 {
			b.ReportMetric(100*float64(after.throttled-before.throttled)/float64(periods), "throttled-%")
		}
	}
}

// reportSharing logs how many workflow tasks of the workflows whose IDs
// hold match each orchestrator ran, from their histories, and how many
// activities each deployer ran, and reports the smallest share of each,
// as a percentage of an even share.
func (cl *cluster) reportSharing(b *testing.B, c client.Client, match string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	byIdentity, err := workflowTasks(ctx, c, match)
	if err != nil {
		b.Fatal(err)
	}
	counts := make([]int, len(cl.orchestrators))
	total := 0
	for identity, n := range byIdentity {
		total += n
		for i, p := range cl.orchestrators {
			if strings.HasPrefix(identity, strconv.Itoa(p.PID())+"@") {
				counts[i] += n
			}
		}
	}
	b.Logf("workflow tasks run by each orchestrator: %v of %d", counts, total)
	b.ReportMetric(evenShare(counts), "orchestrator-min-share-%")
	var lows []float64
	for _, queue := range slices.Sorted(maps.Keys(cl.deployers)) {
		var ran []int
		for _, a := range cl.deployers[queue] {
			ran = append(ran, len(a.take()))
		}
		b.Logf("activities run by each %s worker: %v", queue, ran)
		lows = append(lows, evenShare(ran))
	}
	b.ReportMetric(slices.Min(lows), "deployer-min-share-%")
}

// evenShare is the smallest of counts as a percentage of their mean.
func evenShare(counts []int) float64 {
	sum := 0
	for _, n := range counts {
		sum += n
	}
	if sum == 0 {
		return 0
	}
	return 100 * float64(slices.Min(counts)) * float64(len(counts)) / float64(sum)
}

// workflowTasks counts the workflow tasks of every workflow whose ID holds
// match, by the identity of the worker that ran them.
func workflowTasks(ctx context.Context, c client.Client, match string) (map[string]int, error) {
	counts := map[string]int{}
	var token []byte
	for {
		list, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list the workflows: %w", err)
		}
		for _, w := range list.GetExecutions() {
			ex := w.GetExecution()
			if !strings.Contains(ex.GetWorkflowId(), match) {
				continue
			}
			events, err := e2e.History(ctx, c, ex.GetWorkflowId(), ex.GetRunId())
			if err != nil {
				return nil, err
			}
			for _, e := range events {
				if e.GetEventType() == enums.EVENT_TYPE_WORKFLOW_TASK_STARTED {
					counts[e.GetWorkflowTaskStartedEventAttributes().GetIdentity()]++
				}
			}
		}
		if token = list.GetNextPageToken(); len(token) == 0 {
			return counts, nil
		}
	}
}
