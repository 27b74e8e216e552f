package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/devserver"
	"github.com/signalman/signalman/internal/pgtest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// The benchmarks here and TestHistoryBudget run the real workflows on the
// embedded Temporal server with a worker in this process, but with
// stand-in activities that only take a set time and answer plausibly.
// They measure the orchestration (server, worker, workflow code) and
// nothing else: the real activities have their own end-to-end tests.

// BenchmarkSignalToActivity measures the time from sending the QA signoff
// to the start of the activity the release runs next (FreezeCheck: the
// pipeline has no prod signoff, no window and a ship delay of 0s), as an
// update through control.Releases.Send (what the CLI and Slack use) and as
// a signal (what the Temporal UI sends), with the server on SQLite (the
// local default) and on PostgreSQL (pgtest's). One iteration is 50
// samples: 50 releases wait at the gate, then get their signoffs one at a
// time, each sent once the previous release has finished.
//
//	go test ./tests/ -run '^$' -bench BenchmarkSignalToActivity -benchtime 1x
func BenchmarkSignalToActivity(b *testing.B) {
	const samples = 50
	acts := &standIns{}
	var started sync.Map // workflow ID -> chan time.Time
	acts.onStart = func(name, workflowID string, at time.Time) {
		if name != contract.FreezeCheckName {
			return
		}
		if ch, ok := started.Load(workflowID); ok {
			select {
			case ch.(chan time.Time) <- at:
			default: // a retry: the first start is the one measured
			}
		}
	}
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run("store="+store, func(b *testing.B) {
			db := ""
			if store == "postgres" {
				db = pgtest.Start(b).URL("temporal")
			}
			signalToActivity(b, acts, &started, orchestration(b, acts, db, 1), samples)
		})
	}
}

// signalToActivity measures BenchmarkSignalToActivity on the server c talks to.
func signalToActivity(b *testing.B, acts *standIns, started *sync.Map, c client.Client, samples int) {
	rs := control.Releases{Client: c}
	p := orchPipeline(b, pipelineSpec{product: "bench-signal", services: 1, qa: true})
	train := 0
	signoff := workflows.SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: workflows.Green}
	send := map[string]func(ctx context.Context, version string) error{
		"update": func(ctx context.Context, version string) error {
			signoff.Via = "cli"
			_, err := rs.Send(ctx, p.Product, version, contract.Signoff, signoff)
			return err
		},
		"signal": func(ctx context.Context, version string) error {
			signoff.Via = "ui"
			return c.SignalWorkflow(ctx, workflows.ReleaseID(p.Product, version), "", contract.Signoff, signoff)
		},
	}
	for _, via := range []string{"update", "signal"} {
		b.Run("via="+via, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				versions := make([]string, samples)
				for i := range versions {
					train++
					versions[i] = fmt.Sprintf("v1.%d.0", train)
					started.Store(workflows.ReleaseID(p.Product, versions[i]), make(chan time.Time, 1))
				}
				startReleases(ctx, b, rs, p, versions)
				for _, v := range versions {
					if err := waitGate(ctx, rs, p.Product, v, workflows.StageQASignoff); err != nil {
						b.Fatal(err)
					}
				}
				for _, v := range versions {
					ch, _ := started.Load(workflows.ReleaseID(p.Product, v))
					sent := time.Now()
					if err := send[via](ctx, v); err != nil {
						b.Fatalf("signoff of %s: %v", v, err)
					}
					select {
					case at := <-ch.(chan time.Time):
						lat = append(lat, at.Sub(sent))
					case <-ctx.Done():
						b.Fatalf("%s: no activity after the signoff", v)
					}
					if _, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, v)); err != nil {
						b.Fatal(err)
					}
				}
				cancel()
			}
			slices.Sort(lat)
			b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
			b.ReportMetric(ms(percentile(lat, 95)), "p95-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			b.ReportMetric(float64(len(lat)), "samples")
		})
	}
}

// BenchmarkConcurrentReleases starts 100 releases of three services at once
// on one in-process worker and waits until all have succeeded, sampling the
// process's memory meanwhile. The process holds the embedded Temporal
// server too, so the figures are an upper bound for the worker alone.
//
//	go test ./tests/ -run '^$' -bench BenchmarkConcurrentReleases -benchtime 1x
func BenchmarkConcurrentReleases(b *testing.B) {
	const releases = 100
	c := startOrchestration(b, &standIns{})
	rs := control.Releases{Client: c}
	p := orchPipeline(b, pipelineSpec{product: "bench-many", services: 3})
	train := 0
	// What the idle server and worker hold, live, before any release.
	runtime.GC()
	base := goMemory()
	var peak uint64
	var peakRSS int
	for b.Loop() {
		resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var top uint64
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				top = max(top, goMemory())
				select {
				case <-stop:
					sampled <- top
					return
				case <-tick.C:
				}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		versions := make([]string, releases)
		for i := range versions {
			train++
			versions[i] = fmt.Sprintf("v1.%d.0", train)
		}
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
		cancel()
		close(stop)
		peak = max(peak, <-sampled)
		if kib, ok := procStatusKiB("VmHWM"); ok && resetPeakRSS {
			peakRSS = max(peakRSS, kib)
		}
	}
	b.ReportMetric(float64(base)/(1<<20), "baseline-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	if peakRSS > 0 {
		b.ReportMetric(float64(peakRSS)/(1<<10), "peak-rss-MiB")
	}
}

// BenchmarkOrchestrationOverhead runs one release at a time whose every
// activity takes a fixed time, with the waits for people and time
// configured away (no signoffs, no window, no canary, ship delay 0s) and one
// build at a time, so the activities run strictly one after another. The
// overhead ratio is the release's wall time (start request to result)
// over the sum of the activity run times the stand-ins measured.
//
//	go test ./tests/ -run '^$' -bench BenchmarkOrchestrationOverhead -benchtime 1x
func BenchmarkOrchestrationOverhead(b *testing.B) {
	acts := &standIns{}
	c := startOrchestration(b, acts)
	rs := control.Releases{Client: c}
	p := orchPipeline(b, pipelineSpec{product: "bench-overhead", services: 3, buildParallelism: 1})
	train := 0
	for _, d := range []time.Duration{50 * time.Millisecond, 250 * time.Millisecond} {
		b.Run(fmt.Sprintf("activity=%s", d), func(b *testing.B) {
			acts.sleep.Store(int64(d))
			var wall, busy time.Duration
			var trips roundTrips
			count := 0
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				train++
				version := fmt.Sprintf("v1.%d.0", train)
				acts.take()
				t0 := time.Now()
				startReleases(ctx, b, rs, p, []string{version})
				st, err := waitDone(ctx, c, workflows.ReleaseID(p.Product, version))
				took := time.Since(t0)
				if err != nil || st.State != workflows.Succeeded {
					b.Fatalf("%s: %s %v", version, st.State, err)
				}
				wall += took
				trips.add(traceRelease(ctx, b, c, st))
				cancel()
				for _, r := range acts.take() {
					busy += r.end.Sub(r.start)
					count++
				}
			}
			b.ReportMetric(float64(wall)/float64(busy), "overhead-ratio")
			b.ReportMetric(ms(wall-busy)/float64(count), "overhead-ms/activity")
			b.ReportMetric(float64(count)/float64(b.N), "activities/release")
			n := float64(b.N)
			b.ReportMetric(float64(trips.tasks)/n, "workflow-tasks/release")
			b.ReportMetric(ms(trips.queued)/float64(trips.tasks), "task-queued-ms")
			b.ReportMetric(ms(trips.handled)/float64(trips.tasks), "task-handled-ms")
			b.ReportMetric(ms(trips.dispatch)/float64(max(trips.activities, 1)), "activity-dispatch-ms")
			b.ReportMetric(float64(trips.local)/n, "local-activities/release")
		})
	}
}

// orchRun is one stand-in activity run, as the stand-in measured it.
type orchRun struct {
	name, workflowID string
	start, end       time.Time
}

// standIns answer every activity the workflows call, under the real
// activity names, after sleeping for sleep; they change nothing anywhere.
// They stand in for the real activities so that what is measured is the
// orchestration only.
type standIns struct {
	// sleep is how long each activity takes, in nanoseconds.
	sleep atomic.Int64
	// trains is what the Trains activity answers: only the train itself,
	// so a dot release fans out nowhere.
	trains []int
	// onStart, when set before the worker starts, sees every activity start.
	onStart func(name, workflowID string, at time.Time)
	// hold, when set before the worker starts, is called at every activity
	// start and may block it until the test lets it go.
	hold func(ctx context.Context, name, workflowID string)
	// onClaimed, when set before the worker starts, sees every claim of an
	// environment that the real ClaimEnv has put in the environment's
	// record, granted or in line.
	onClaimed func(req contract.ClaimRequest)
	// orchestrators stop the orchestrate workers orchestration started.
	orchestrators []func()
	// untracked, when set, keeps no runs for take: a load of thousands of
	// releases would otherwise hold all of them in memory.
	untracked bool

	mu    sync.Mutex
	runs  []orchRun
	picks int
}

// run is the body of every stand-in: note the start, take the set time,
// note the end.
func (s *standIns) run(ctx context.Context, name string) error {
	info := activity.GetInfo(ctx)
	r := orchRun{name: name, workflowID: info.WorkflowExecution.ID, start: time.Now()}
	if s.onStart != nil {
		s.onStart(name, r.workflowID, r.start)
	}
	if s.hold != nil {
		s.hold(ctx, name, r.workflowID)
	}
	if d := time.Duration(s.sleep.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.untracked {
		return nil
	}
	r.end = time.Now()
	s.mu.Lock()
	s.runs = append(s.runs, r)
	s.mu.Unlock()
	return nil
}

// take returns the runs recorded so far and forgets them.
func (s *standIns) take() []orchRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	runs := s.runs
	s.runs = nil
	return runs
}

// hexID is a 40-digit hex string, as a commit hash.
func hexID(n int) string { return fmt.Sprintf("%040x", n) }

// register adds the stand-ins under the names worker/app registers the real
// activities with.
// register adds the stand-ins of role's activities to w.
func (s *standIns) register(w worker.Registry, role contract.Role) {
	for name, fn := range map[string]any{
		contract.TagName: func(ctx context.Context, req contract.TagRequest) (contract.TagResult, error) {
			return contract.TagResult{Commit: hexID(1), Created: true}, s.run(ctx, contract.TagName)
		},
		contract.ReleaseNotesName: func(ctx context.Context, req contract.NotesRequest) (contract.ReleaseNotes, error) {
			return contract.ReleaseNotes{Markdown: "## Fixes\n- checkout rounding\n"}, s.run(ctx, contract.ReleaseNotesName)
		},
		contract.CutTrainName: func(ctx context.Context, req contract.CutRequest) (string, error) {
			return hexID(2), s.run(ctx, contract.CutTrainName)
		},
		contract.CherryPickName: func(ctx context.Context, req contract.PickRequest) (contract.PickResult, error) {
			s.mu.Lock()
			s.picks++
			head := hexID(1000 + s.picks)
			s.mu.Unlock()
			return contract.PickResult{Head: head, New: 1}, s.run(ctx, contract.CherryPickName)
		},
		contract.TrainsName: func(ctx context.Context, req contract.TrainsRequest) ([]int, error) {
			return s.trains, s.run(ctx, contract.TrainsName)
		},
		contract.RunTestsName: func(ctx context.Context, req contract.TestRequest) (contract.TestResult, error) {
			return contract.TestResult{Seconds: time.Duration(s.sleep.Load()).Seconds()}, s.run(ctx, contract.RunTestsName)
		},
		contract.NotifyName: func(ctx context.Context, req contract.NotifyRequest) (contract.NotifyResult, error) {
			return contract.NotifyResult{TS: "1700000000.000100"}, s.run(ctx, contract.NotifyName)
		},
		contract.BuildNumberName: func(ctx context.Context, req contract.BuildNumberRequest) (int, error) {
			return 7, s.run(ctx, contract.BuildNumberName)
		},
		contract.BuildName: func(ctx context.Context, req contract.BuildRequest) (contract.Artifact, error) {
			return contract.Artifact{
				Service: req.Service,
				Image:   fmt.Sprintf("registry.example/%s/%s:%s-build.%d-%s", req.Product, req.Service, req.Version, req.Number, req.Commit[:7]),
				Digest:  fmt.Sprintf("sha256:%064x", len(req.Service)),
			}, s.run(ctx, contract.BuildName)
		},
		contract.SignName: func(ctx context.Context, req contract.SignRequest) error {
			return s.run(ctx, contract.SignName)
		},
		contract.VerifyName: func(ctx context.Context, req contract.VerifyRequest) error {
			return s.run(ctx, contract.VerifyName)
		},
		contract.MigrateName: func(ctx context.Context, req contract.MigrateRequest) error {
			return s.run(ctx, contract.MigrateName)
		},
		// A previous version runs everywhere, so a canary has a baseline.
		contract.DeployName: func(ctx context.Context, req contract.DeployRequest) (contract.DeployOutcome, error) {
			return contract.DeployOutcome{Canary: req.Weight < 100}, s.run(ctx, contract.DeployName)
		},
		contract.TrafficName: func(ctx context.Context, req contract.TrafficRequest) error {
			return s.run(ctx, contract.TrafficName)
		},
		contract.AnalyzeName: func(ctx context.Context, req contract.AnalyzeRequest) (contract.Verdict, error) {
			return contract.Verdict{Class: contract.Pass, Score: 100, Detail: "no difference"}, s.run(ctx, contract.AnalyzeName)
		},
		contract.SmokeName: func(ctx context.Context, req contract.SmokeRequest) error {
			return s.run(ctx, contract.SmokeName)
		},
		contract.RollbackName: func(ctx context.Context, req contract.RollbackRequest) error {
			return s.run(ctx, contract.RollbackName)
		},
		contract.RetireName: func(ctx context.Context, req contract.RetireRequest) error {
			return s.run(ctx, contract.RetireName)
		},
		contract.PromoteName: func(ctx context.Context, req contract.PromoteRequest) error {
			return s.run(ctx, contract.PromoteName)
		},
		contract.RollbackTargetName: func(ctx context.Context, req contract.RollbackTargetRequest) (contract.ReleaseRecord, error) {
			return contract.ReleaseRecord{Version: req.To, Commit: hexID(1)}, s.run(ctx, contract.RollbackTargetName)
		},
		contract.FreezeCheckName: func(ctx context.Context, req contract.FreezeCheckRequest) (contract.Freeze, error) {
			return contract.Freeze{}, s.run(ctx, contract.FreezeCheckName)
		},
		contract.CandidateCheckName: func(ctx context.Context, req contract.CandidateCheckRequest) (contract.CandidateCheck, error) {
			return contract.CandidateCheck{}, s.run(ctx, contract.CandidateCheckName)
		},
		contract.WaitForChecksName: func(ctx context.Context, req contract.ChecksRequest) (contract.ChecksResult, error) {
			return contract.ChecksResult{Polls: 1}, s.run(ctx, contract.WaitForChecksName)
		},
		contract.OpenPullsName: func(ctx context.Context, req contract.OpenPullsRequest) ([]contract.PullRequest, error) {
			return nil, s.run(ctx, contract.OpenPullsName)
		},
		contract.PublishReleaseName: func(ctx context.Context, req contract.PublishRequest) (contract.PublishResult, error) {
			return contract.PublishResult{URL: "https://github.example/releases/" + req.Tag}, s.run(ctx, contract.PublishReleaseName)
		},
	} {
		if a, ok := contract.Lookup(name); ok && a.Role == role {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
	}
}

// startOrchestration starts the embedded Temporal server and a worker in
// this process that runs the real workflows, registered under the names
// worker/app uses, with the stand-in activities. Both stop with tb.
func startOrchestration(tb testing.TB, acts *standIns) client.Client {
	return orchestration(tb, acts, "", 1)
}

// orchestration is startOrchestration with the server's state in the
// PostgreSQL database db (SQLite when empty) and orchestrators workers
// polling the workflows' queue, each with its own client.
func orchestration(tb testing.TB, acts *standIns, db string, orchestrators int) client.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		DB:               db,
		DataDir:          tb.TempDir(),
		FrontendAddr:     "127.0.0.1:0",
		DisableUI:        true,
		Namespace:        "default",
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		tb.Fatalf("start Temporal: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			tb.Errorf("stop Temporal: %v", err)
		}
	})
	return orchestrationOn(tb, acts, srv.FrontendAddr(), orchestrators)
}

// orchestrationOn starts the workers orchestration starts, on the Temporal
// server at addr, and returns their first client.
func orchestrationOn(tb testing.TB, acts *standIns, addr string, orchestrators int) client.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Only errors: a hundred releases log too much at info level.
	logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	c, err := client.DialContext(ctx, client.Options{HostPort: addr, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	// One worker per role's task queue, as `worker --roles all` runs them.
	serves, err := contract.ParseRoles("all", []string{config.Stage, config.Prod})
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range serves {
		n := 1
		if s.Role == contract.Orchestrate {
			n = orchestrators
		}
		for i := range n {
			wc := c
			if i > 0 {
				if wc, err = client.DialContext(ctx, client.Options{HostPort: addr, Logger: logger}); err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(wc.Close)
			}
			if s.Role == contract.Orchestrate {
				acts.orchestrators = append(acts.orchestrators, startOrchestrator(tb, wc, acts))
				continue
			}
			w := worker.New(wc, s.Queue(), worker.Options{})
			acts.register(w, s.Role)
			if err := w.Start(); err != nil {
				tb.Fatalf("start the %s worker: %v", s, err)
			}
			tb.Cleanup(w.Stop)
		}
	}
	return c
}

// startOrchestrator starts a worker of the workflows' queue on c, with the
// real workflows and the stand-ins of the orchestrate role's activities,
// and returns what stops it (once; it also stops with tb).
func startOrchestrator(tb testing.TB, c client.Client, acts *standIns) (stop func()) {
	tb.Helper()
	w := worker.New(c, contract.WorkflowQueue, worker.Options{})
	workflows.Register(w)
	// Claiming an environment is real: it talks to the environment's
	// record in this server.
	envs := &activities.Envs{Client: c}
	claim := envs.ClaimEnv
	if acts.onClaimed != nil {
		claim = func(ctx context.Context, req contract.ClaimRequest) (contract.Grant, error) {
			g, err := envs.ClaimEnv(ctx, req)
			if err == nil {
				acts.onClaimed(req)
			}
			return g, err
		}
	}
	w.RegisterActivityWithOptions(claim, activity.RegisterOptions{Name: contract.ClaimEnvName})
	w.RegisterActivityWithOptions(envs.ReadEnv, activity.RegisterOptions{Name: contract.ReadEnvName})
	acts.register(w, contract.Orchestrate)
	if err := w.Start(); err != nil {
		tb.Fatalf("start the orchestrate worker: %v", err)
	}
	stop = sync.OnceFunc(w.Stop)
	tb.Cleanup(stop)
	return stop
}

// pipelineSpec describes a pipeline for the orchestration measurements.
type pipelineSpec struct {
	product  string
	services int
	// qa and sre require a QA signoff on stage (quinn) and an SRE
	// approval on prod (sam).
	qa, sre bool
	// canary takes prod through two canary steps of 50ms each.
	canary bool
	// extras adds what a full pipeline has besides: GitHub checks and
	// release, Slack messages, a migration before the first service.
	extras bool
	// buildParallelism is release.build_parallelism (0: the default).
	buildParallelism int
}

// orchPipeline writes the pipeline file a spec describes and parses it as
// the CLI does. It has no window and ships at once after its last signoff.
func orchPipeline(tb testing.TB, s pipelineSpec) config.Pipeline {
	tb.Helper()
	var y strings.Builder
	fmt.Fprintf(&y, "product: %s\nrepository:\n  url: https://git.example/%s.git\n", s.product, s.product)
	if s.extras {
		fmt.Fprintf(&y, "  github: example/%s\ntests:\n  command: make test\n  github_checks: true\n", s.product)
	} else {
		y.WriteString("tests:\n  command: make test\n")
	}
	y.WriteString("services:\n")
	for i := range s.services {
		fmt.Fprintf(&y, "  - name: svc-%02d\n    order: %d\n    port: %d\n    smoke: [{path: /healthz}]\n", i+1, i+1, 9001+i)
	}
	if s.extras {
		y.WriteString("migrations:\n  - {name: add-orders-index, command: ./migrate up, before: svc-01}\n")
	}
	y.WriteString("environments:\n  stage:\n")
	if s.qa {
		y.WriteString("    signoffs: [{role: qa}]\n")
	}
	y.WriteString("  prod:\n    window: always\n    bake: 0s\n")
	if s.sre {
		y.WriteString("    signoffs: [{role: sre}]\n")
	}
	if s.canary {
		y.WriteString("    canary:\n      steps: [{weight: 10, pause: 50ms}, {weight: 50, pause: 50ms}]\n")
	}
	y.WriteString("auth: claimed\napprovers:\n  qa: [quinn]\n  sre: [sam]\nrelease:\n  ship_delay: 0s\n  dot_gather: 0s\n  managers: [rita]\n")
	if s.buildParallelism > 0 {
		fmt.Fprintf(&y, "  build_parallelism: %d\n", s.buildParallelism)
	}
	if s.extras {
		y.WriteString("notifications:\n  slack: {channel: \"#releases\"}\n")
	}
	p, err := config.Parse("signalman.yaml", []byte(y.String()))
	if err != nil {
		tb.Fatalf("pipeline:\n%s\n%v", y.String(), err)
	}
	return *p
}

// startReleases starts one release per version, all at once.
func startReleases(ctx context.Context, tb testing.TB, rs control.Releases, p config.Pipeline, versions []string) {
	tb.Helper()
	errs := make([]error, len(versions))
	var wg sync.WaitGroup
	for i, v := range versions {
		wg.Go(func() {
			_, _, errs[i] = rs.Start(ctx, workflows.ReleaseInput{Pipeline: p, Version: v, TriggeredBy: "alice"})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// waitGate waits until a release waits at the gate of a stage.
func waitGate(ctx context.Context, rs control.Releases, product, version, stage string) error {
	for {
		st, err := rs.Status(ctx, product, version)
		if err == nil {
			if st.Finished() {
				return fmt.Errorf("%s %s ended (%s) before its %s gate: %s", product, version, st.State, stage, st.Error)
			}
			for _, s := range st.Stages {
				if s.Name == stage && s.State == workflows.Waiting && st.Stage == stage {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s: not waiting at %s (last error: %v)", product, version, stage, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitDone waits until a release workflow, started or about to be, ends,
// and returns its final status.
func waitDone(ctx context.Context, c client.Client, id string) (workflows.Status, error) {
	for {
		_, err := c.DescribeWorkflowExecution(ctx, id, "")
		var nf *serviceerror.NotFound
		if err == nil {
			break
		}
		if !errors.As(err, &nf) {
			return workflows.Status{}, fmt.Errorf("look up %s: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return workflows.Status{}, fmt.Errorf("%s never started", id)
		case <-time.After(20 * time.Millisecond):
		}
	}
	var st workflows.Status
	err := c.GetWorkflow(ctx, id, "").Get(ctx, &st)
	return st, err
}

// goMemory is the Go heap and goroutine stacks in use.
func goMemory() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// procStatusKiB reads a "kB" field of /proc/self/status, where there is one.
func procStatusKiB(field string) (int, bool) { return pidStatusKiB("self", field) }

// pidStatusKiB reads a "kB" field of /proc/PID/status, where there is one.
func pidStatusKiB(pid, field string) (int, bool) {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
			return n, err == nil
		}
	}
	return 0, false
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// roundTrips is where a release's orchestration time went, read from the
// event times of its history and of its deploys' histories.
type roundTrips struct {
	// tasks are the workflow tasks; queued is the time from their
	// scheduling to their start (dispatch to a worker's poll), handled
	// from their start to their completion (the worker's work and the
	// write of its commands).
	tasks      int
	queued     time.Duration
	handled    time.Duration
	activities int
	dispatch   time.Duration // activities' scheduled to started
	local      int           // local activities (markers)
}

// add counts o's round trips in t's.
func (t *roundTrips) add(o roundTrips) {
	t.tasks += o.tasks
	t.queued += o.queued
	t.handled += o.handled
	t.activities += o.activities
	t.dispatch += o.dispatch
	t.local += o.local
}

// traceRelease reads the histories of the release st and of its deploys.
// With SIGNALMAN_BENCH_TIMELINE set, it also writes the release's
// events, one a line with its offset from the first, to the test log.
func traceRelease(ctx context.Context, tb testing.TB, c client.Client, st workflows.Status) roundTrips {
	tb.Helper()
	ids := []string{workflows.ReleaseID(st.Product, st.Version)}
	for _, d := range st.Deploys {
		ids = append(ids, workflows.DeployID(st.Product, st.Version, d.Env, d.Service))
	}
	var rt roundTrips
	for _, id := range ids {
		events, err := e2e.History(ctx, c, id, "")
		if err != nil {
			tb.Fatal(err)
		}
		at := map[int64]time.Time{}
		for _, e := range events {
			t := e.GetEventTime().AsTime()
			at[e.GetEventId()] = t
			switch e.GetEventType() {
			case enums.EVENT_TYPE_WORKFLOW_TASK_STARTED:
				rt.tasks++
				rt.queued += t.Sub(at[e.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId()])
			case enums.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				rt.handled += t.Sub(at[e.GetWorkflowTaskCompletedEventAttributes().GetStartedEventId()])
			case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				rt.activities++
				rt.dispatch += t.Sub(at[e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()])
			case enums.EVENT_TYPE_MARKER_RECORDED:
				if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
					rt.local++
				}
			}
			if os.Getenv("SIGNALMAN_BENCH_TIMELINE") != "" {
				tb.Logf("%8.1f ms  %s %s", ms(t.Sub(events[0].GetEventTime().AsTime())), strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_"),
					e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName())
			}
		}
	}
	return rt
}
