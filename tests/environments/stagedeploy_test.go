package environments

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestStageDeploy_a_change_before_it_is_merged tries a change that is on a
// topic branch only: `signalman stage-deploy` picks it onto
// stage/checkout-fix off train-101 and deploys it to stage alone, named by
// its commit, and `running` says a temporary deploy is on stage, by whom;
// the next release's stage deploy replaces it and the temporary note goes.
func TestStageDeploy_a_change_before_it_is_merged(t *testing.T) {
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	repo.Git(t, "push", "--quiet", "origin", "main:train-101")
	repo.Git(t, "checkout", "--quiet", "-b", "topic")
	change := repo.WriteCommit(t, "fix: checkout rounding", map[string]string{"CHANGELOG": "rounding\n"})
	repo.Git(t, "push", "--quiet", "origin", "topic")
	repo.Git(t, "checkout", "--quiet", "main")

	stk := e2e.NewStack(t)
	followPub := e2e.FollowKeys(t, stk)
	releasePub := filepath.Join(stk.Keys, "cosign.pub")
	e2e.StartWorker(t, stk)
	config := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+`environments:
  stage:
    target: process
    verify_keys: [`+releasePub+`, `+followPub+`]
  prod:
    window: always
    target: process
    verify_keys: [`+releasePub+`]
release:
  ship_delay: 0s
`)
	out := e2e.MustCLI(t, stk.Srv.Addr, "stage-deploy", "shop", "--train", "101", "--pick", change[:9], "--name", "checkout-fix", "-c", config, "--as", "alice")
	if !strings.Contains(out, "stage-deploy status shop --name checkout-fix") {
		t.Errorf("stage-deploy printed %q, want where to watch it", out)
	}
	var st workflows.StageDeployStatus
	e2e.Eventually(t, 4*time.Minute, "the temporary deploy ends", func() (bool, string) {
		out := e2e.CLI(t, stk.Srv.Addr, "stage-deploy", "status", "shop", "--name", "checkout-fix", "-o", "json")
		if err := json.Unmarshal([]byte(out.Stdout), &st); err != nil {
			return false, out.Stderr
		}
		return st.Outcome != "", st.Doing
	})
	if st.Outcome != workflows.Deployed || !strings.HasPrefix(st.Version, "stage/checkout-fix-") {
		t.Fatalf("temporary deploy: %+v", st)
	}
	if got, want := e2e.Serving(t, stk, "stage", "api"), "api "+strings.ReplaceAll(st.Version, "/", "-"); got != want {
		t.Errorf("stage serves %q, want %q", got, want)
	}
	running := e2e.MustCLI(t, stk.Srv.Addr, "running", "--product", "shop", "--env", "stage")
	if !strings.Contains(running, "temporary deploy "+st.Version+" by alice since ") {
		t.Errorf("running --env stage does not say a temporary deploy is there:\n%s", running)
	}
	e2e.SaveHistory(t, stk.Srv.Addr, workflows.StageDeployID("shop", "checkout-fix"), "stage-deploy")
	if tags := strings.TrimSpace(repo.Git(t, "ls-remote", "--tags", "origin")); tags != "" {
		t.Errorf("a temporary deploy made tags:\n%s", tags)
	}
	if main := repo.Git(t, "ls-remote", "origin", "refs/heads/main"); strings.Contains(main, st.Commit) {
		t.Error("the picked change reached main")
	}

	e2e.MustCLI(t, stk.Srv.Addr, "release", "start", "v1.101.0", "--ref", "train-101", "--config", config, "--as", "rita")
	if rel := e2e.WaitFinished(t, stk, "v1.101.0"); rel.State != workflows.Succeeded {
		t.Fatalf("release v1.101.0 %s: %s", rel.State, rel.Error)
	}
	running = e2e.MustCLI(t, stk.Srv.Addr, "running", "--product", "shop", "--env", "stage")
	if strings.Contains(running, "temporary") || !strings.Contains(running, "v1.101.0") {
		t.Errorf("after the release, running --env stage says:\n%s", running)
	}
	if got := e2e.Serving(t, stk, "stage", "api"); got != "api v1.101.0" {
		t.Errorf("stage serves %q after the release, want api v1.101.0", got)
	}
}
