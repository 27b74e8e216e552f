package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// pipelineFor writes a signalman.yaml for a product whose repository is remote.
func pipelineFor(t *testing.T, remote, testCommand string) string {
	t.Helper()
	return writePipeline(t, fmt.Sprintf(`product: shop
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
    signoffs:
      - role: sre
approvers:
  qa: [quinn]
  sre: [sam]
`, remote, testCommand))
}

// status reads a release's status through the client the CLI uses.
func status(t *testing.T, addr, version string) (workflows.Status, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		return workflows.Status{}, err
	}
	defer c.Close()
	return control.Releases{Client: c}.Status(ctx, "shop", version)
}

// waitForStage waits until the release waits at stage.
func waitForStage(t *testing.T, addr, version, stage string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "release at "+stage, func() (bool, string) {
		st, err := status(t, addr, version)
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() {
			t.Fatalf("release ended (%s) before reaching %s: %s", st.State, stage, st.Error)
		}
		s := st.Stages[stageIndex(stage)]
		return st.Stage == stage && s.State == workflows.Waiting, fmt.Sprintf("%s %s: %s", st.Stage, s.State, s.Detail)
	})
}

func stageIndex(name string) int {
	for i, s := range workflows.Stages {
		if s == name {
			return i
		}
	}
	panic("no stage " + name)
}

// serving asks a service's router which version answers /version.
func serving(t *testing.T, s *stack, env, service string) string {
	t.Helper()
	_, info, err := router.Open(filepath.Join(s.data, "routers", "shop", env, service))
	if err != nil {
		t.Fatalf("router of %s on %s: %v", service, env, err)
	}
	resp, err := http.Get("http://" + info.Listen + "/version")
	if err != nil {
		t.Fatalf("GET /version of %s on %s: %v", service, env, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(body))
}

// instances counts a service's running instances on the process target.
func instances(t *testing.T, s *stack, env, service string) []deploy.Instance {
	t.Helper()
	running, err := (&deploy.Process{Dir: filepath.Join(s.data, "deploy")}).Running(context.Background(), "shop", env, service)
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// TestRelease_survives_worker_kill_and_server_restart runs one release of a
// real git repository through the real CLI and a worker process: the tag
// is created and pushed, the test command runs in a clean checkout, a
// wrong approval is refused, the Temporal server restarts while the release
// waits at a gate, and the worker is killed with SIGKILL while it waits for
// its ship time; the release still completes, and each step happened once.
func TestRelease_survives_worker_kill_and_server_restart(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "tests-ran")
	repo, remote, sha := exampleRepo(t, map[string]string{
		"check.sh": "#!/bin/sh\nset -e\ntest -f check.sh\necho ok > " + marker + "-$(git rev-parse HEAD)\n",
	})
	config := pipelineFor(t, remote, "sh check.sh")

	stk := newStack(t)
	srv := stk.srv
	worker := startWorker(t, stk)

	mustCLI(t, srv.addr, "config", "validate", config)
	eta := time.Now().Add(40 * time.Second).UTC().Format(time.RFC3339)
	out := mustCLI(t, srv.addr, "release", "start", "v1.7.0", "--config", config, "--as", "alice", "--eta", eta)
	if !strings.Contains(out, "started shop v1.7.0") {
		t.Errorf("release start printed %q", out)
	}
	if out := mustCLI(t, srv.addr, "release", "start", "v1.7.0", "--config", config, "--as", "alice"); !strings.Contains(out, "already running") {
		t.Errorf("second start printed %q, want it to find the running release", out)
	}

	waitForStage(t, srv.addr, "v1.7.0", workflows.StageQASignoff, 2*time.Minute)
	if got := strings.Fields(repo.Git(t, "ls-remote", "origin", "refs/tags/v1.7.0^{}")); len(got) == 0 || got[0] != sha {
		t.Errorf("remote tag v1.7.0^{} = %v, want %s", got, sha)
	}
	if _, err := os.Stat(marker + "-" + sha); err != nil {
		t.Errorf("the test command did not run on the tagged commit: %v", err)
	}

	wrongRole := cli(t, srv.addr, "signoff", "v1.7.0", "--product", "shop", "--verdict", "green", "--role", "sre", "--as", "sam")
	if wrongRole.code != 3 || !strings.Contains(wrongRole.stderr, `role "sre" is not required on stage`) {
		t.Errorf("wrong-role signoff: exit %d, stderr %q; want exit 3 and the reason", wrongRole.code, wrongRole.stderr)
	}
	unknown := cli(t, srv.addr, "status", "v1.9.0", "--product", "shop")
	if unknown.code != 4 || !strings.Contains(unknown.stderr, "no release shop v1.9.0") {
		t.Errorf("unknown release: exit %d, stderr %q; want exit 4", unknown.code, unknown.stderr)
	}

	// The server goes down and comes back on the same data directory while
	// the release waits at the QA gate.
	srv.stop()
	srv.start()
	waitForStage(t, srv.addr, "v1.7.0", workflows.StageQASignoff, time.Minute)
	mustCLI(t, srv.addr, "signoff", "v1.7.0", "--product", "shop", "--verdict", "green", "--as", "quinn")
	mustCLI(t, srv.addr, "approve", "v1.7.0", "--product", "shop", "--env", "prod", "--as", "sam")

	// The worker dies without warning while the release waits for its
	// ship time; a new worker takes over.
	waitForStage(t, srv.addr, "v1.7.0", workflows.StageWindow, time.Minute)
	for _, svc := range []string{"auth-server", "api"} {
		if got := serving(t, stk, "stage", svc); got != svc+" v1.7.0" {
			t.Errorf("stage %s serves %q, want v1.7.0", svc, got)
		}
	}
	worker.kill()
	replacement := startWorker(t, stk)

	eventually(t, 2*time.Minute, "release succeeded", func() (bool, string) {
		st, err := status(t, srv.addr, "v1.7.0")
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() && st.State != workflows.Succeeded {
			t.Fatalf("release %s: %s", st.State, st.Error)
		}
		return st.State == workflows.Succeeded, st.Stage + " " + st.State
	})
	st, _ := status(t, srv.addr, "v1.7.0")
	if st.Commit != sha {
		t.Errorf("release commit %s, want %s", st.Commit, sha)
	}
	if w := st.Stages[stageIndex(workflows.StageCanary)].Started; w.Before(mustTime(t, eta)) {
		t.Errorf("prod deploy started at %s, before the ETA %s", w, eta)
	}
	checkImages(t, stk, st, sha)
	for _, env := range []string{"stage", "prod"} {
		for _, svc := range []string{"auth-server", "api"} {
			if got := serving(t, stk, env, svc); got != svc+" v1.7.0" {
				t.Errorf("%s %s serves %q, want v1.7.0", env, svc, got)
			}
			// One instance each, though the worker died mid-release: no deploy ran twice.
			if n := len(instances(t, stk, env, svc)); n != 1 {
				t.Errorf("%s %s has %d instances running, want 1", env, svc, n)
			}
		}
	}
	// The signing key's password was in the worker's environment the whole
	// time; it must not have reached any history or the worker's logs.
	assertNoSecret(t, srv.addr, keyPassword, workflows.ReleaseID("shop", "v1.7.0"),
		workflows.DeployID("shop", "v1.7.0", "stage", "api"), workflows.DeployID("shop", "v1.7.0", "prod", "api"))
	for _, w := range []*proc{worker, replacement} {
		if strings.Contains(w.logs.String(), keyPassword) {
			t.Error("the signing key's password appears in the worker's logs")
		}
	}
	saveHistory(t, srv.addr, workflows.ReleaseID("shop", "v1.7.0"), "release")
	saveHistory(t, srv.addr, workflows.DeployID("shop", "v1.7.0", "prod", "auth-server"), "service-deploy")

	out = mustCLI(t, srv.addr, "status", "v1.7.0", "--product", "shop")
	for _, want := range []string{"shop v1.7.0 (train 7): succeeded", "signoff: qa green by quinn", "signoff: sre green by sam"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	list := mustCLI(t, srv.addr, "list", "--product", "shop", "-o", "json")
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
