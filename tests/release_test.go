package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// pipelineFor writes a signalman.yaml for a product whose repository is remote.
func pipelineFor(t *testing.T, remote, testCommand string) string {
	t.Helper()
	return e2e.WritePipeline(t, fmt.Sprintf(`product: shop
repository:
  url: %s
tests:
  command: %s
services:
  - name: auth-server
    order: 1
    build: {package: ./services/auth-server}
    smoke: [{path: /healthz}, {path: /login, status: 405}]
  - name: api
    order: 2
    build: {package: ./services/api}
    smoke: [{path: /api/ping, contains: pong}]
environments:
  stage:
    signoffs:
      - role: qa
  prod:
    window: always
    signoffs:
      - role: sre
auth: claimed
approvers:
  qa: [quinn]
  sre: [sam]
`, remote, testCommand))
}

// TestRelease_survives_worker_kill_and_server_restart runs one release of a
// real git repository through the real CLI and a worker process: the tag
// is created and pushed, the test command runs in a clean checkout, a
// wrong approval is refused, the Temporal server restarts while the release
// waits at a gate, and the worker is killed with SIGKILL while it waits for
// its ship time; the release still completes, and each step happened once.
func TestRelease_survives_worker_kill_and_server_restart(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "tests-ran")
	repo, remote, sha := e2e.ExampleRepo(t, map[string]string{
		"check.sh": "#!/bin/sh\nset -e\ntest -f check.sh\necho ok > " + marker + "-$(git rev-parse HEAD)\n",
	})
	config := pipelineFor(t, remote, "sh check.sh")

	stk := e2e.NewStack(t)
	srv := stk.Srv
	worker := e2e.StartWorker(t, stk)

	e2e.MustCLI(t, srv.Addr, "config", "validate", config)
	eta := time.Now().Add(40 * time.Second).UTC().Format(time.RFC3339)
	out := e2e.MustCLI(t, srv.Addr, "release", "start", "v1.7.0", "--config", config, "--as", "alice", "--eta", eta)
	if !strings.Contains(out, "started shop v1.7.0") {
		t.Errorf("release start printed %q", out)
	}
	if out := e2e.MustCLI(t, srv.Addr, "release", "start", "v1.7.0", "--config", config, "--as", "alice"); !strings.Contains(out, "already running") {
		t.Errorf("second start printed %q, want it to find the running release", out)
	}

	e2e.WaitForStage(t, srv.Addr, "v1.7.0", workflows.StageQASignoff, 2*time.Minute)
	if got := strings.Fields(repo.Git(t, "ls-remote", "origin", "refs/tags/v1.7.0^{}")); len(got) == 0 || got[0] != sha {
		t.Errorf("remote tag v1.7.0^{} = %v, want %s", got, sha)
	}
	if _, err := os.Stat(marker + "-" + sha); err != nil {
		t.Errorf("the test command did not run on the tagged commit: %v", err)
	}

	wrongRole := e2e.CLI(t, srv.Addr, "signoff", "v1.7.0", "--product", "shop", "--verdict", "green", "--role", "sre", "--as", "sam")
	if wrongRole.Code != 3 || !strings.Contains(wrongRole.Stderr, `role "sre" is not required on stage`) {
		t.Errorf("wrong-role signoff: exit %d, stderr %q; want exit 3 and the reason", wrongRole.Code, wrongRole.Stderr)
	}
	unknown := e2e.CLI(t, srv.Addr, "status", "v1.9.0", "--product", "shop")
	if unknown.Code != 4 || !strings.Contains(unknown.Stderr, "no release shop v1.9.0") {
		t.Errorf("unknown release: exit %d, stderr %q; want exit 4", unknown.Code, unknown.Stderr)
	}

	// The server goes down and comes back on the same data directory while
	// the release waits at the QA gate.
	srv.Stop()
	srv.Start()
	e2e.WaitForStage(t, srv.Addr, "v1.7.0", workflows.StageQASignoff, time.Minute)
	e2e.MustCLI(t, srv.Addr, "signoff", "v1.7.0", "--product", "shop", "--verdict", "green", "--as", "quinn")
	e2e.MustCLI(t, srv.Addr, "approve", "v1.7.0", "--product", "shop", "--env", "prod", "--as", "sam")

	// The worker dies without warning while the release waits for its
	// ship time; a new worker takes over.
	e2e.WaitForStage(t, srv.Addr, "v1.7.0", workflows.StageWindow, time.Minute)
	for _, svc := range []string{"auth-server", "api"} {
		if got := e2e.Serving(t, stk, "stage", svc); got != svc+" v1.7.0" {
			t.Errorf("stage %s serves %q, want v1.7.0", svc, got)
		}
	}
	worker.Kill()
	replacement := e2e.StartWorker(t, stk)

	e2e.Eventually(t, 2*time.Minute, "release succeeded", func() (bool, string) {
		st, err := e2e.Status(t, srv.Addr, "v1.7.0")
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() && st.State != workflows.Succeeded {
			t.Fatalf("release %s: %s", st.State, st.Error)
		}
		return st.State == workflows.Succeeded, st.Stage + " " + st.State
	})
	st, _ := e2e.Status(t, srv.Addr, "v1.7.0")
	if st.Commit != sha {
		t.Errorf("release commit %s, want %s", st.Commit, sha)
	}
	if w := st.StageNamed(workflows.StageCanary).Started; w.Before(mustTime(t, eta)) {
		t.Errorf("prod deploy started at %s, before the ETA %s", w, eta)
	}
	e2e.CheckImages(t, stk, st, sha)
	for _, env := range []string{"stage", "prod"} {
		for _, svc := range []string{"auth-server", "api"} {
			if got := e2e.Serving(t, stk, env, svc); got != svc+" v1.7.0" {
				t.Errorf("%s %s serves %q, want v1.7.0", env, svc, got)
			}
			// One instance each, though the worker died mid-release: no deploy ran twice.
			if n := len(e2e.Instances(t, stk, env, svc)); n != 1 {
				t.Errorf("%s %s has %d instances running, want 1", env, svc, n)
			}
		}
	}
	// The signing key's password was in the worker's environment the whole
	// time; it must not have reached any history or the worker's logs.
	e2e.NoSecret(t, srv.Addr, e2e.KeyPassword, workflows.ReleaseID("shop", "v1.7.0"),
		workflows.DeployID("shop", "v1.7.0", "stage", "api"), workflows.DeployID("shop", "v1.7.0", "prod", "api"))
	for _, w := range []*e2e.Proc{worker, replacement} {
		if strings.Contains(w.Logs.String(), e2e.KeyPassword) {
			t.Error("the signing key's password appears in the worker's logs")
		}
	}
	e2e.SaveHistory(t, srv.Addr, workflows.ReleaseID("shop", "v1.7.0"), "release")
	e2e.SaveHistory(t, srv.Addr, workflows.DeployID("shop", "v1.7.0", "prod", "auth-server"), "service-deploy")
	e2e.SaveHistory(t, srv.Addr, contract.EnvID("shop", "prod"), "environment")

	out = e2e.MustCLI(t, srv.Addr, "status", "v1.7.0", "--product", "shop")
	for _, want := range []string{"shop v1.7.0 (train 7): succeeded", "signoff: qa green by quinn", "signoff: sre green by sam"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	list := e2e.MustCLI(t, srv.Addr, "list", "--product", "shop", "-o", "json")
	var rows []control.Summary
	if err := json.Unmarshal([]byte(list), &rows); err != nil || len(rows) != 1 || rows[0].Version != "v1.7.0" || rows[0].Train != 7 {
		t.Errorf("list -o json = %s (%v)", list, err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
