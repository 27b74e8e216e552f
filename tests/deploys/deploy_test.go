package deploys

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy/router"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// canaryPipeline writes a pipeline for the example product with a short
// canary on prod and no gates, so releases run straight through.
func canaryPipeline(t testing.TB, remote, target string) string {
	t.Helper()
	return e2e.WritePipeline(t, e2e.ShopPipeline(remote, "auth-server", "api", "content-server")+fmt.Sprintf(`environments:
  stage:
    target: %[1]s
  prod:
    window: always
    bake: 8s
    target: %[1]s
    canary:
      steps: [{weight: 20, pause: 4s}]
release:
  ship_delay: 0s
`, target))
}

// TestDeploy_process_target runs releases of the example product on the
// process target, each a real build, signature, deploy, canary and smoke
// test behind real router processes: a good release; a good release whose
// worker is killed during the canary pause; a faulty release the canary
// rolls back while the old version keeps serving; a release whose smoke
// test fails; and a rollback to the release before.
func TestDeploy_process_target(t *testing.T) {
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	config := canaryPipeline(t, remote, "process")
	stk := e2e.NewStack(t)
	worker := e2e.StartWorker(t, stk)

	if st := e2e.Release(t, stk, config, "v1.1.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s", st.State, st.Error)
	}
	for _, svc := range []string{"auth-server", "api", "content-server"} {
		if got := e2e.Serving(t, stk, "prod", svc); got != svc+" v1.1.0" {
			t.Fatalf("prod %s serves %q after v1.1.0", svc, got)
		}
	}
	t.Run("canary_without_traffic_waits_for_a_person", func(t *testing.T) {
		// Nobody uses production yet: the canary has nothing to judge. It
		// is watched for three more pauses, then waits for a person, and
		// the release's status says so.
		repo.WriteCommit(t, "feat: v1.1.5", map[string]string{"CHANGELOG": "v1.1.5\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.1.5", "--config", config, "--as", "rita")
		var out string
		e2e.Eventually(t, 3*time.Minute, "the canary waits for a person", func() (bool, string) {
			r := e2e.CLI(t, stk.Srv.Addr, "status", "v1.1.5", "--product", "shop")
			out = r.Stdout
			return strings.Contains(out, "deploying auth-server on prod: canary 20% marginal (score 0, too little traffic to judge in 16s)"), out
		})
		if r := e2e.CLI(t, stk.Srv.Addr, "canary", "v1.1.5", "rollback", "--product", "shop", "--service", "content-server", "--as", "rita"); r.Code != 4 {
			t.Errorf("a decision for a service not in its canary: exit %d (%s), want 4", r.Code, r.Stderr)
		}
		if r := e2e.CLI(t, stk.Srv.Addr, "canary", "v1.1.5", "rollback", "--product", "shop", "--service", "auth-server", "--as", "mallory"); r.Code != 3 || !strings.Contains(r.Stderr, "mallory may not decide on this canary") {
			t.Errorf("a decision by someone not allowed: exit %d (%s), want 3 and a refusal", r.Code, r.Stderr)
		}
		// Without --service: the deploy the release is running now.
		e2e.MustCLI(t, stk.Srv.Addr, "canary", "v1.1.5", "rollback", "--product", "shop", "--reason", "no traffic yet", "--as", "rita")
		st := e2e.WaitFinished(t, stk, "v1.1.5")
		if st.State != workflows.Failed || !strings.Contains(st.Error, "rita chose to roll back: no traffic yet") {
			t.Fatalf("v1.1.5: %s: %q; want rolled back by rita", st.State, st.Error)
		}
		if got := e2e.Serving(t, stk, "prod", "auth-server"); got != "auth-server v1.1.0" {
			t.Errorf("prod auth-server serves %q after the rollback, want v1.1.0", got)
		}
		out = e2e.MustCLI(t, stk.Srv.Addr, "status", "v1.1.5", "--product", "shop")
		for _, want := range []string{
			"canary: auth-server on prod at 20%: nodata, too few samples to judge: error_rate nodata (0 canary and 0 baseline samples)",
			"(over 16s)",
			"rolled back: auth-server on prod: canary marginal at 20% (score 0); rita chose to roll back: no traffic yet",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("status of v1.1.5:\n%s\nwant a line with %q", out, want)
			}
		}
		e2e.SaveHistory(t, stk.Srv.Addr, workflows.DeployID("shop", "v1.1.5", "prod", "auth-server"), "service-deploy-canary-no-data")
		if r := e2e.CLI(t, stk.Srv.Addr, "canary", "v1.1.5", "continue", "--product", "shop", "--as", "rita"); r.Code != 3 || !strings.Contains(r.Stderr, "deploying nothing now") {
			t.Errorf("a decision for a release that ended: exit %d (%s), want 3 and why", r.Code, r.Stderr)
		}
		dep := st.Deploys[len(st.Deploys)-1]
		if n := len(dep.Verdicts); n != 4 || !dep.Verdicts[3].NoData || dep.Verdicts[3].Window != 16*time.Second {
			t.Errorf("verdicts %+v: want four, the last with no data over 16s", dep.Verdicts)
		}
	})

	// Users: without traffic a canary cannot be judged (too little data is
	// marginal, which waits for a person), so every service gets some.
	for _, l := range []struct{ svc, path string }{{"auth-server", "/healthz"}, {"api", "/api/products"}, {"content-server", "/"}} {
		users := e2e.StartLoad(t, stk, l.svc, l.path, 30)
		defer users.End()
	}

	top := t // the replacement worker must outlive the subtest that starts it
	t.Run("worker_killed_during_canary_pause_finishes_once", func(t *testing.T) {
		repo.WriteCommit(t, "feat: v1.2.0", map[string]string{"CHANGELOG": "v1.2.0\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.2.0", "--config", config, "--as", "rita")
		e2e.Eventually(t, 3*time.Minute, "canary of auth-server", func() (bool, string) {
			st, err := e2e.Status(t, stk.Srv.Addr, "v1.2.0")
			if err != nil {
				return false, err.Error()
			}
			return st.Stage == workflows.StageCanary, st.Stage
		})
		time.Sleep(time.Second) // inside the first 4s pause
		worker.Kill()
		worker = e2e.StartWorker(top, stk)
		st := e2e.WaitFinished(t, stk, "v1.2.0")
		if st.State != workflows.Succeeded {
			t.Fatalf("v1.2.0: %s: %s", st.State, st.Error)
		}
		// The test route, the canary and the bake, under a worker kill.
		e2e.SaveHistory(t, stk.Srv.Addr, workflows.DeployID("shop", "v1.2.0", "prod", "auth-server"), "service-deploy-bake")
		for _, svc := range []string{"auth-server", "api", "content-server"} {
			if got := e2e.Serving(t, stk, "prod", svc); got != svc+" v1.2.0" {
				t.Errorf("prod %s serves %q, want v1.2.0", svc, got)
			}
			if n := len(e2e.Instances(t, stk, "prod", svc)); n != 1 {
				t.Errorf("prod %s has %d instances, want 1: the deploy ran once and the old version was retired", svc, n)
			}
		}
	})

	if t.Failed() {
		return
	}
	t.Run("faulty_release_is_caught_by_the_test_route_before_any_user_request", func(t *testing.T) {
		// Every api request fails in prod: its smoke test through the test
		// route fails before the new version takes any user traffic.
		repo.WriteCommit(t, "feat: faulty api", map[string]string{"services/api/fault.json": `{"error_rate": 1, "env": "prod"}`})
		repo.Git(t, "push", "--quiet", "origin", "main")
		began := time.Now()
		load := e2e.StartLoad(t, stk, "api", "/api/products", 40)
		st := e2e.Release(t, stk, config, "v1.3.0")
		ok, failed := load.End()
		if st.State != workflows.Failed || !strings.Contains(st.Error, "api on prod rolled back: test route: smoke test failed before any user traffic") {
			t.Fatalf("v1.3.0: %s: %q; want the api's test route to catch it", st.State, st.Error)
		}
		if got := e2e.Serving(t, stk, "prod", "api"); got != "api v1.2.0" {
			t.Errorf("after the rollback prod api serves %q, want v1.2.0", got)
		}
		// auth-server took v1.3.0 before the api failed; prod's
		// on_failure (rollback-release) takes it back too, so production
		// never runs a mix nobody tested.
		if got := e2e.Serving(t, stk, "prod", "auth-server"); got != "auth-server v1.2.0" {
			t.Errorf("after the release's rollback prod auth-server serves %q, want v1.2.0", got)
		}
		if !strings.Contains(st.Error, "rolled back with it: auth-server to v1.2.0") {
			t.Errorf("v1.3.0's error %q does not name auth-server as rolled back with it", st.Error)
		}
		e2e.SaveHistory(t, stk.Srv.Addr, workflows.ReleaseID("shop", "v1.3.0"), "release-rolled-back-whole")
		// The router's records: the new version answered test requests
		// only, never a user's.
		tests := 0
		for _, r := range e2e.RouterRequests(t, stk, "prod", "api", began) {
			switch {
			case r.Version == "v1.3.0" && r.Test:
				tests++
			case r.Version == "v1.3.0":
				t.Errorf("a user request was served by v1.3.0 at %s (status %d)", r.At, r.Status)
			}
		}
		if tests == 0 {
			t.Error("the router recorded no test-route request to v1.3.0")
		}
		if ok["v1.3.0"]+failed["v1.3.0"] != 0 || failed["v1.2.0"] != 0 || failed["unreachable"] != 0 || ok["v1.2.0"] == 0 {
			t.Errorf("users saw ok %v, failed %v: want every request answered by v1.2.0", ok, failed)
		}
		if n := len(e2e.Instances(t, stk, "prod", "api")); n != 1 {
			t.Errorf("prod api has %d instances after the rollback, want 1", n)
		}
	})

	t.Run("failing_smoke_test_rolls_back", func(t *testing.T) {
		repo.WriteCommit(t, "feat: new front page", map[string]string{
			"services/api/fault.json":         "{}\n",
			"services/content-server/main.go": strings.Replace(e2e.ExampleFiles(t)["services/content-server/main.go"], "<h1>shop</h1>", "<h1>store</h1>", 1),
		})
		repo.Git(t, "push", "--quiet", "origin", "main")
		st := e2e.Release(t, stk, config, "v1.4.0")
		if st.State != workflows.Failed || !strings.Contains(st.Error, "smoke test failed") {
			t.Fatalf("v1.4.0: %s: %q; want a smoke test failure", st.State, st.Error)
		}
		// Stage took v1.3.0 (its canary failed in prod, after stage), so
		// that is what the failed smoke test falls back to.
		if got := e2e.Serving(t, stk, "stage", "content-server"); got != "content-server v1.3.0" {
			t.Errorf("stage content-server serves %q after the rollback, want v1.3.0", got)
		}
	})

	t.Run("rollback_restores_the_previous_digest", func(t *testing.T) {
		// v1.3.0 was rolled back as a whole, so prod runs v1.2.0.
		checkServes(t, stk, "v1.2.0", "auth-server", "api", "content-server")
		out := e2e.MustCLI(t, stk.Srv.Addr, "rollback", "shop", "--env", "prod", "-c", config, "--reason", "test", "--as", "oncall")
		if !strings.Contains(out, "rolled back from v1.2.0 to v1.1.0") {
			t.Errorf("rollback printed %q", out)
		}
		checkServes(t, stk, "v1.1.0", "auth-server", "api", "content-server")
		e2e.SaveHistory(t, stk.Srv.Addr, workflows.RollbackID("shop", "prod"), "rollback")

		out = e2e.MustCLI(t, stk.Srv.Addr, "rollback", "shop", "--env", "prod", "--service", "api", "--to", "v1.2.0", "-c", config, "--reason", "test", "--as", "oncall")
		if !strings.Contains(out, "to v1.2.0") {
			t.Errorf("rollback --to printed %q", out)
		}
		checkServes(t, stk, "v1.2.0", "api")
		checkServes(t, stk, "v1.1.0", "auth-server", "content-server")

		// What runs where, from prod's record, agrees with the routers.
		out = e2e.MustCLI(t, stk.Srv.Addr, "running", "--product", "shop", "--env", "prod", "-o", "json")
		var recs []contract.EnvState
		if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 {
			t.Fatalf("running -o json: %v: %s", err, out)
		}
		for _, svc := range []string{"auth-server", "api", "content-server"} {
			want := strings.TrimPrefix(e2e.Serving(t, stk, "prod", svc), svc+" ")
			if r := recs[0].Running[svc]; r.Version != want || r.Artifact.Digest == "" || r.Since.IsZero() {
				t.Errorf("running says prod %s is %+v; its router serves %s", svc, r, want)
			}
		}
	})
}

// checkServes checks that each service's prod router serves version, by
// the version's recorded digest, and that the service answers as it.
func checkServes(t *testing.T, s *e2e.Stack, version string, services ...string) {
	t.Helper()
	st, err := e2e.Status(t, s.Srv.Addr, version)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range services {
		if got := e2e.Serving(t, s, "prod", svc); got != svc+" "+version {
			t.Errorf("prod %s serves %q, want %s", svc, got, version)
		}
		var digest string
		for _, a := range st.Artifacts {
			if a.Service == svc {
				digest = a.Digest
			}
		}
		c, _, err := router.Open(filepath.Join(s.Data, "routers", "shop", "prod", svc))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := c.State(context.Background())
		if err != nil || rs.Stable == nil || rs.Stable.Digest != digest {
			t.Errorf("prod %s router stable = %+v, want %s's digest %s", svc, rs.Stable, version, digest)
		}
	}
}

// TestDeploy_docker_target releases the example product with both
// environments on the Docker Engine. It runs whenever an engine answers
// and must run on CI, where SIGNALMAN_REQUIRE_DOCKER is set.
func TestDeploy_docker_target(t *testing.T) {
	if !artifact.DockerAvailable(context.Background()) {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatal("SIGNALMAN_REQUIRE_DOCKER is set but no Docker Engine answers")
		}
		t.Skip("no Docker Engine answers")
	}
	_, remote, _ := e2e.ExampleRepo(t, nil)
	config := canaryPipeline(t, remote, "docker")
	stk := e2e.NewStack(t)
	e2e.StartWorker(t, stk)
	st := e2e.Release(t, stk, config, "v1.1.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0 on docker: %s: %s", st.State, st.Error)
	}
	for _, svc := range []string{"auth-server", "api", "content-server"} {
		if got := e2e.Serving(t, stk, "prod", svc); got != svc+" v1.1.0" {
			t.Errorf("prod %s serves %q on docker", svc, got)
		}
	}
}
