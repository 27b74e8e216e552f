package tests

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/worker/app"
)

// canaryBench is a real product on the process target behind a real router
// process, driven through the deploy activities without Temporal, so that
// the canary's own timing is what is measured.
type canaryBench struct {
	deployer *activities.Deployer
	env      *testsuite.TestActivityEnvironment
	good     contract.Artifact
	bad      contract.Artifact
	svc      config.Service
	canary   config.Canary
}

func newCanaryBench(b *testing.B, pause time.Duration) *canaryBench {
	gittest.Isolate(b)
	reg, err := registry.Start(context.Background(), registry.Options{Dir: b.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reg.Stop() })
	repo, remoteURL := gittest.NewWithRemote(b)
	good := repo.WriteCommit(b, "feat: shop", e2e.ExampleFiles(b))
	bad := repo.WriteCommit(b, "feat: slow and failing api", map[string]string{"services/api/fault.json": `{"error_rate": 0.3, "latency_ms": 20}`})
	repo.Git(b, "push", "--quiet", "origin", "main")
	opts := func(ctx context.Context) []remote.Option { return []remote.Option{remote.WithContext(ctx)} }
	builder := &activities.Builder{Registry: reg.Host(), Dir: b.TempDir(), Counter: buildnum.Counter{Dir: b.TempDir()}, Remote: opts, Env: e2e.GoEnv}
	data := b.TempDir()
	cb := &canaryBench{
		deployer: &activities.Deployer{
			Dir:           filepath.Join(data, "routers"),
			Targets:       map[string]deploy.Target{config.TargetProcess: &deploy.Process{Dir: filepath.Join(data, "deploy")}},
			RouterCommand: []string{e2e.Bin.Worker, app.RouterArg},
		},
		svc: config.Service{Name: "api", Instances: 1, Health: config.Health{Path: "/healthz", Timeout: 30 * time.Second, Interval: 100 * time.Millisecond}},
		canary: config.Canary{Steps: []config.CanaryStep{{Weight: 10, Pause: pause}}, Confidence: 0.98, Marginal: 75, Pass: 95, Metrics: []config.CanaryMetric{
			{Name: "error_rate", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.001},
			{Name: "latency", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.005},
		}},
	}
	b.Cleanup(func() { app.Cleanup(context.Background(), data) })
	var s testsuite.WorkflowTestSuite
	cb.env = s.NewTestActivityEnvironment()
	for _, fn := range []any{builder.Build, cb.deployer.Deploy, cb.deployer.AnalyzeCanary, cb.deployer.Rollback} {
		cb.env.RegisterActivity(fn)
	}
	build := config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/api"}
	for i, c := range []struct {
		commit string
		art    *contract.Artifact
	}{{good, &cb.good}, {bad, &cb.bad}} {
		v, err := cb.env.ExecuteActivity(builder.Build, contract.BuildRequest{Product: "shop", Version: "v1.1.0", Commit: c.commit, RepoURL: remoteURL, Service: "api", Build: build, Number: i + 1})
		if err != nil {
			b.Fatal(err)
		}
		v.Get(c.art)
	}
	cb.deploy(b, "v1.1.0", cb.good, 100)
	return cb
}

func (cb *canaryBench) deploy(b *testing.B, version string, a contract.Artifact, weight int) {
	_, err := cb.env.ExecuteActivity(cb.deployer.Deploy, contract.DeployRequest{Product: "shop", Version: version, Env: "prod", Target: config.TargetProcess, Service: cb.svc, Artifact: a, Weight: weight})
	if err != nil {
		b.Fatal(err)
	}
}

// judge runs one canary step: deploy at 10%, pause, analyze; a fail rolls back.
func (cb *canaryBench) judge(b *testing.B, version string, a contract.Artifact) (contract.Verdict, time.Duration) {
	start := time.Now()
	cb.deploy(b, version, a, 10)
	time.Sleep(cb.canary.Steps[0].Pause)
	v, err := cb.env.ExecuteActivity(cb.deployer.AnalyzeCanary, contract.AnalyzeRequest{Product: "shop", Env: "prod", Service: "api", Canary: cb.canary, Step: 0})
	if err != nil {
		b.Fatal(err)
	}
	var verdict contract.Verdict
	v.Get(&verdict)
	// Both outcomes end the same way here: the canary leaves, the stable stays.
	if _, err := cb.env.ExecuteActivity(cb.deployer.Rollback, contract.RollbackRequest{Product: "shop", Env: "prod", Target: config.TargetProcess, Service: "api", Version: version, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	return verdict, time.Since(start)
}

// traffic sends rps requests a second through the api's router until stopped.
func traffic(b *testing.B, dir string, rps int) func() (ok, failed int64) {
	_, info, err := router.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var okN, failN atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(rps))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			go func() {
				resp, err := http.Get("http://" + info.Listen + "/api/products")
				if err != nil || resp.StatusCode >= 500 {
					failN.Add(1)
				} else {
					okN.Add(1)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}()
		}
	}()
	return func() (int64, int64) {
		cancel()
		wg.Wait()
		return okN.Load(), failN.Load()
	}
}

// BenchmarkCanary measures, on the process target with a real router and
// 100 requests a second: the time from a faulty canary taking traffic to
// its rollback being complete, in analysis intervals (pauses); and the
// false rollbacks over good canaries.
//
//	go test ./tests/ -run '^$' -bench BenchmarkCanary -benchtime 1x -timeout 30m
func BenchmarkCanary(b *testing.B) {
	const pause = 5 * time.Second
	cb := newCanaryBench(b, pause)
	stop := traffic(b, filepath.Join(cb.deployer.Dir, "shop", "prod", "api"), 100)
	defer stop()
	b.Run("faulty", func(b *testing.B) {
		var worst time.Duration
		caught := 0
		for i := 0; b.Loop(); i++ {
			v, took := cb.judge(b, "v1.2.0", cb.bad)
			if v.Class == contract.Fail {
				caught++
			}
			worst = max(worst, took)
		}
		b.ReportMetric(float64(worst)/float64(pause), "intervals-to-rollback")
		b.ReportMetric(float64(caught)/float64(b.N), "caught-share")
	})
	b.Run("good-x20", func(b *testing.B) {
		for b.Loop() {
			falseRollbacks := 0
			for i := range 20 {
				v, _ := cb.judge(b, fmt.Sprintf("v1.3.%d", i), cb.good)
				if v.Class == contract.Fail {
					falseRollbacks++
					b.Logf("false rollback %d: %s", i, v.Detail)
				}
			}
			b.ReportMetric(float64(falseRollbacks), "false-rollbacks/20")
		}
	})
}
