package environments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// bakeInterval is the analysis interval of the bake pipeline: its last
// canary step's pause.
const bakeInterval = 4 * time.Second

// bakePipeline writes a pipeline of the example product's api alone, on
// the process target. With bake set, prod has a one-step canary whose
// pause is bakeInterval and a bake of that length; without, prod takes
// the new version at once (the first release: there is no traffic to
// judge a canary with yet).
func bakePipeline(t testing.TB, remote string, bake time.Duration) string {
	t.Helper()
	prod := "    bake: 0s\n"
	if bake > 0 {
		prod = fmt.Sprintf("    bake: %s\n    canary:\n      steps: [{weight: 50, pause: %s}]\n", bake, bakeInterval)
	}
	return e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+`environments:
  stage:
    target: process
  prod:
    window: always
    target: process
`+prod+`release:
  ship_delay: 0s
`)
}

// bakeRun is what one release that degrades during its bake came to.
type bakeRun struct {
	st workflows.Status
	// onset is when the fault was switched on; back when the api's router
	// answered with the previous version again.
	onset, back time.Time
	// before and after are the bake verdicts recorded before the onset
	// and from it to the end.
	before, after []contract.Verdict
}

// degradeDuringBake releases version, whose api fails every request in
// prod while the file degrade exists, waits until the bake has judged it
// at least once, then (after delay) creates degrade, and waits until the
// router serves previous again and the release has ended.
func degradeDuringBake(t testing.TB, stk *e2e.Stack, config, version, previous, degrade string, delay func() time.Duration) bakeRun {
	t.Helper()
	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", version, "--config", config, "--as", "rita")
	id := workflows.DeployID("shop", version, "prod", "api")
	var run bakeRun
	e2e.Eventually(t, 4*time.Minute, "the api's first bake verdict on prod", func() (bool, string) {
		res, err := deployStatus(stk.Srv.Addr, id)
		if err != nil {
			return false, err.Error()
		}
		run.before = bakeVerdicts(res)
		return len(run.before) > 0, res.Phase
	})
	time.Sleep(delay())
	if err := os.WriteFile(degrade, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	run.onset = time.Now()
	defer os.Remove(degrade)
	e2e.Eventually(t, 2*time.Minute, "prod api back on "+previous, func() (bool, string) {
		got := e2e.Serving(t, stk, "prod", "api")
		return got == "api "+previous, got
	})
	run.back = time.Now()
	run.st = e2e.WaitFinished(t, stk, version)
	for _, d := range run.st.Deploys {
		if d.Env == "prod" && d.Service == "api" {
			run.after = bakeVerdicts(d)[len(run.before):]
		}
	}
	return run
}

// deployStatus queries a running service deploy's status.
func deployStatus(addr, id string) (workflows.DeployResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		return workflows.DeployResult{}, err
	}
	defer c.Close()
	v, err := c.QueryWorkflow(ctx, id, "", contract.QueryStatus)
	if err != nil {
		return workflows.DeployResult{}, err
	}
	var res workflows.DeployResult
	return res, v.Get(&res)
}

func bakeVerdicts(d workflows.DeployResult) []contract.Verdict {
	var out []contract.Verdict
	for _, v := range d.Verdicts {
		if v.Bake {
			out = append(out, v)
		}
	}
	return out
}

// bakeStack runs a worker and releases v1.1.0 of the api to prod, with
// users sending it requests from then on; it returns the stack, the
// repository's remote and a function that commits a version's files.
func bakeStack(t testing.TB) (*e2e.Stack, string, func(version string, files map[string]string)) {
	t.Helper()
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	stk := e2e.NewStack(t)
	e2e.StartWorker(t, stk)
	if st := e2e.Release(t, stk, bakePipeline(t, remote, 0), "v1.1.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s", st.State, st.Error)
	}
	users := e2e.StartLoad(t, stk, "api", "/api/products", 40)
	t.Cleanup(func() { users.End() })
	commit := func(version string, files map[string]string) {
		files["CHANGELOG"] = version + "\n"
		repo.WriteCommit(t, "feat: "+version, files)
		repo.Git(t, "push", "--quiet", "origin", "main")
	}
	return stk, remote, commit
}

// faultWhile is a fault switch for the api that fails every request in
// prod while the file degrade exists.
func faultWhile(degrade string) map[string]string {
	return map[string]string{"services/api/fault.json": fmt.Sprintf(`{"error_rate": 1, "env": "prod", "when_file": %q}`, degrade)}
}

// TestDeploy_bake_catches_a_degradation releases a build of the api that
// passes its test route and canary and degrades during the bake, after it
// took all the traffic: the first bake verdict over the degraded interval
// fails, the router switches back to the previous version (which kept
// running through the bake) and the release fails, saying the bake
// caught it. Then a good build is rolled back by a person during its bake:
// `signalman rollback` switches the router back at once.
func TestDeploy_bake_catches_a_degradation(t *testing.T) {
	stk, remote, commit := bakeStack(t)
	degrade := filepath.Join(t.TempDir(), "degrade")
	commit("v1.2.0", faultWhile(degrade))
	config := bakePipeline(t, remote, 2*time.Minute)
	// Switched on right after a verdict, so the next interval is degraded
	// from its start: that verdict must be the one that fails.
	run := degradeDuringBake(t, stk, config, "v1.2.0", "v1.1.0", degrade, func() time.Duration { return 0 })
	t.Logf("traffic back on v1.1.0 %s after the onset (%.2f analysis intervals)", run.back.Sub(run.onset).Round(time.Millisecond), float64(run.back.Sub(run.onset))/float64(bakeInterval))

	if run.st.State != workflows.Failed || !strings.Contains(run.st.Error, "bake: degraded") {
		t.Fatalf("v1.2.0: %s: %q; want it rolled back by the bake", run.st.State, run.st.Error)
	}
	for _, v := range run.before {
		if v.Class == contract.Fail {
			t.Errorf("a bake verdict before the onset failed: %+v", v)
		}
	}
	if len(run.after) != 1 || run.after[0].Class != contract.Fail {
		t.Errorf("bake verdicts from the onset on: %+v; want exactly one, failing: the first interval after a degradation catches it", run.after)
	}
	if got := e2e.Serving(t, stk, "prod", "api"); got != "api v1.1.0" {
		t.Errorf("prod api serves %q after the bake failed, want v1.1.0", got)
	}
	if n := len(e2e.Instances(t, stk, "prod", "api")); n != 1 {
		t.Errorf("prod api has %d instances after the bake failed, want 1 (v1.2.0 retired)", n)
	}
	out := e2e.MustCLI(t, stk.Srv.Addr, "status", "v1.2.0", "--product", "shop")
	if !strings.Contains(out, "bake: degraded") {
		t.Errorf("status of v1.2.0 does not say the bake caught it:\n%s", out)
	}

	// A rollback asked for during a bake is a switch of the router: the
	// previous version still runs, nothing is redeployed.
	commit("v1.3.0", map[string]string{"services/api/fault.json": "{}\n"})
	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.3.0", "--config", config, "--as", "rita")
	e2e.Eventually(t, 4*time.Minute, "v1.3.0's api baking on prod", func() (bool, string) {
		res, err := deployStatus(stk.Srv.Addr, workflows.DeployID("shop", "v1.3.0", "prod", "api"))
		if err != nil {
			return false, err.Error()
		}
		return strings.HasPrefix(res.Phase, "bake:"), res.Phase
	})
	out = e2e.MustCLI(t, stk.Srv.Addr, "rollback", "shop", "--env", "prod", "-c", config, "--reason", "pager went off", "--as", "rita")
	if !strings.Contains(out, "api of v1.3.0 was baking; the router switched back") {
		t.Errorf("rollback during the bake printed %q", out)
	}
	st := e2e.WaitFinished(t, stk, "v1.3.0")
	e2e.SaveHistory(t, stk.Srv.Addr, workflows.DeployID("shop", "v1.3.0", "prod", "api"), "service-deploy-bake-rollback")
	if st.State != workflows.Failed || !strings.Contains(st.Error, "rita rolled it back during the bake: pager went off") {
		t.Errorf("v1.3.0: %s: %q; want it rolled back by rita during the bake", st.State, st.Error)
	}
	if got := e2e.Serving(t, stk, "prod", "api"); got != "api v1.1.0" {
		t.Errorf("prod api serves %q after the rollback during the bake, want v1.1.0", got)
	}
	for _, d := range e2e.Instances(t, stk, "prod", "api") {
		if d.Version != "v1.1.0" {
			t.Errorf("prod api still runs an instance of %s after the rollback", d.Version)
		}
	}
}

// BenchmarkBakeDegradationToTrafficBack measures how long a degradation
// during the bake takes to send the traffic back to the previous version,
// in analysis intervals, with the onset at a random moment of an interval.
// Each iteration is a release (build, sign, stage, prod canary) whose api
// degrades during the bake. Goal: at most 1.1 intervals.
//
//	SIGNALMAN_BENCH_E2E=1 go test ./tests/deploys -run '^$' -bench BakeDegradation -benchtime 5x
func BenchmarkBakeDegradationToTrafficBack(b *testing.B) {
	if os.Getenv("SIGNALMAN_BENCH_E2E") == "" {
		b.Skip("releases for real; set SIGNALMAN_BENCH_E2E=1 to run it")
	}
	stk, remote, commit := bakeStack(b)
	config := bakePipeline(b, remote, 5*time.Minute)
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		degrade := filepath.Join(b.TempDir(), "degrade")
		version := fmt.Sprintf("v1.%d.0", i+2)
		commit(version, faultWhile(degrade))
		run := degradeDuringBake(b, stk, config, version, "v1.1.0", degrade, func() time.Duration {
			return time.Duration(rand.Int64N(int64(bakeInterval)))
		})
		if run.st.State != workflows.Failed || !strings.Contains(run.st.Error, "bake: degraded") {
			b.Fatalf("%s: %s: %q; want it rolled back by the bake", version, run.st.State, run.st.Error)
		}
		ratios = append(ratios, float64(run.back.Sub(run.onset))/float64(bakeInterval))
	}
	slices.Sort(ratios)
	sum := 0.0
	for _, r := range ratios {
		sum += r
	}
	b.ReportMetric(sum/float64(len(ratios)), "intervals-mean")
	b.ReportMetric(ratios[(len(ratios)*95+99)/100-1], "intervals-p95")
	b.ReportMetric(ratios[len(ratios)-1], "intervals-max")
}
