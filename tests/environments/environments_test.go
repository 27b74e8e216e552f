package environments

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/contract"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestDeploy_three_environments releases the example product through dev,
// stage and prod on the process target: the worker serves a deploy queue
// for each, each environment's router serves the release, its record says
// so, and the status lists a stage for every environment. The SRE who
// approves prod sees what changes there (`signalman diff`, the status):
// every service new for the first release; for the second, each service's
// running and new digests and the commit in between.
func TestDeploy_three_environments(t *testing.T) {
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	config := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "auth-server", "api")+`environments:
  dev:
    target: process
  stage:
    target: process
  prod:
    window: always
    target: process
    signoffs: [{role: sre}]
approvers:
  sre: [sam]
release:
  ship_delay: 0s
`)
	stk := e2e.NewStack(t)
	stk.WorkerArgs = append(stk.WorkerArgs, "--environments", "dev,stage,prod")
	e2e.StartWorker(t, stk)

	out := e2e.MustCLI(t, stk.Srv.Addr, "config", "validate", config)
	for _, want := range []string{"dev (first): deploys at any time", "stage (then): deploys at any time", "prod (then): production; deploys at any time; on failure rollback-release"} {
		if !strings.Contains(out, want) {
			t.Errorf("config validate says\n%s\nwant a line with %q", out, want)
		}
	}
	diff := func(version string) contract.Preview {
		t.Helper()
		out := e2e.MustCLI(t, stk.Srv.Addr, "diff", version, "--env", "prod", "-c", config, "-o", "json")
		var pv contract.Preview
		if err := json.Unmarshal([]byte(out), &pv); err != nil {
			t.Fatalf("diff -o json: %v: %s", err, out)
		}
		return pv
	}

	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.1.0", "--config", config, "--as", "rita")
	e2e.WaitForStage(t, stk.Srv.Addr, "v1.1.0", workflows.StageApproval, 4*time.Minute)
	for _, c := range diff("v1.1.0").Services {
		if c.Change != contract.ChangeNew || c.From != "" || c.ToDigest == "" {
			t.Errorf("diff of the first release: %+v, want every service new", c)
		}
	}
	e2e.MustCLI(t, stk.Srv.Addr, "approve", "v1.1.0", "--env", "prod", "--product", "shop", "--as", "sam")
	st := e2e.WaitFinished(t, stk, "v1.1.0")
	if st.State != workflows.Succeeded {
		t.Fatalf("v1.1.0: %s: %s", st.State, st.Error)
	}
	e2e.SaveHistory(t, stk.Srv.Addr, workflows.ReleaseID("shop", "v1.1.0"), "release-three-environments")
	var names []string
	for _, s := range st.Stages {
		names = append(names, s.Name)
	}
	for _, want := range []string{"deploy-dev", "deploy-stage", "sre-approval", "canary", "promote"} {
		if !slices.Contains(names, want) {
			t.Errorf("stages %v lack %s", names, want)
		}
	}
	for _, env := range []string{"dev", "stage", "prod"} {
		for _, svc := range []string{"auth-server", "api"} {
			if got := e2e.Serving(t, stk, env, svc); got != svc+" v1.1.0" {
				t.Errorf("%s %s serves %q, want v1.1.0", env, svc, got)
			}
		}
	}
	out = e2e.MustCLI(t, stk.Srv.Addr, "running", "--product", "shop", "--env", "dev")
	if !strings.Contains(out, "dev") || !strings.Contains(out, "v1.1.0") {
		t.Errorf("running --env dev:\n%s\nwant dev's services on v1.1.0", out)
	}

	repo.WriteCommit(t, "feat: products sorted by name", map[string]string{"CHANGELOG": "v1.2.0\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.2.0", "--config", config, "--as", "rita")
	e2e.WaitForStage(t, stk.Srv.Addr, "v1.2.0", workflows.StageApproval, 4*time.Minute)
	next, err := e2e.Status(t, stk.Srv.Addr, "v1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	pv := diff("v1.2.0")
	if len(pv.Services) != 2 || pv.Since != "v1.1.0" || pv.Commits != 1 || !strings.Contains(pv.Notes, "products sorted by name") {
		t.Errorf("diff of v1.2.0 on prod: %+v; want both services, 1 commit since v1.1.0", pv)
	}
	for _, c := range pv.Services {
		was, _ := artifactOf(st.Artifacts, c.Service)
		now, _ := artifactOf(next.Artifacts, c.Service)
		if c.From != "v1.1.0" || c.FromDigest != was || c.To != "v1.2.0" || c.ToDigest != now {
			t.Errorf("diff says %s goes %s %s -> %s %s; running is v1.1.0 %s, new v1.2.0 %s", c.Service, c.From, c.FromDigest, c.To, c.ToDigest, was, now)
		}
	}
	out = e2e.MustCLI(t, stk.Srv.Addr, "status", "v1.2.0", "--product", "shop")
	if !strings.Contains(out, "what changes on prod:") || !strings.Contains(out, "1 commit(s) since v1.1.0") {
		t.Errorf("status of v1.2.0 at its approval does not show what changes:\n%s", out)
	}
	e2e.MustCLI(t, stk.Srv.Addr, "approve", "v1.2.0", "--env", "prod", "--product", "shop", "--as", "sam")
	if st := e2e.WaitFinished(t, stk, "v1.2.0"); st.State != workflows.Succeeded {
		t.Fatalf("v1.2.0: %s: %s", st.State, st.Error)
	}
}

// artifactOf is the digest a release built for service.
func artifactOf(arts []contract.Artifact, service string) (string, bool) {
	for _, a := range arts {
		if a.Service == service {
			return a.Digest, true
		}
	}
	return "", false
}
