package trains

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// trainPipeline is one service, no gates, no canary: trains run straight through.
func trainPipeline(t *testing.T, remote string) string {
	t.Helper()
	return e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+`environments:
  stage: {}
  prod: {window: always}
approvers:
  sre: [sam]
release:
  dot_gather: 3s
`)
}

// trainStatus reads a train's status through the client the CLI uses.
func trainStatus(t *testing.T, addr string, train int) (workflows.TrainStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		return workflows.TrainStatus{}, err
	}
	defer c.Close()
	return control.Releases{Client: c}.TrainStatus(ctx, "shop", train)
}

// waitReleases waits until a train has released these versions successfully.
func waitReleases(t *testing.T, addr string, train int, versions ...string) workflows.TrainStatus {
	t.Helper()
	var st workflows.TrainStatus
	e2e.Eventually(t, 4*time.Minute, fmt.Sprintf("train %d releases %v", train, versions), func() (bool, string) {
		var err error
		st, err = trainStatus(t, addr, train)
		if err != nil {
			return false, err.Error()
		}
		done := map[string]bool{}
		for _, r := range st.Releases {
			if r.State == workflows.Failed {
				t.Fatalf("train %d: %s failed: %s", train, r.Version, r.Error)
			}
			done[r.Version] = r.State == workflows.Succeeded
		}
		for _, v := range versions {
			if !done[v] {
				return false, fmt.Sprintf("%+v", st.Releases)
			}
		}
		return true, ""
	})
	return st
}

// TestTrains runs real trains on real git: two trains are cut, a hotfix to
// the older one lands on both branches and is released on both, the older
// first (and refused in prod, where the newer train runs); and a train that continues as new keeps a dot request that
// arrived during the switch.
func TestTrains(t *testing.T) {
	repo, remote, _ := e2e.ExampleRepo(t, nil)
	cfg := trainPipeline(t, remote)
	stk := e2e.NewStack(t)
	e2e.StartWorker(t, stk)
	addr := stk.Srv.Addr

	e2e.MustCLI(t, addr, "train", "start", "shop", "--train", "100", "-c", cfg, "--as", "rita")
	waitReleases(t, addr, 100, "v1.100.0")
	repo.WriteCommit(t, "feat: new search", map[string]string{"CHANGELOG": "search\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	e2e.MustCLI(t, addr, "train", "start", "shop", "--train", "101", "-c", cfg, "--as", "rita")
	waitReleases(t, addr, 101, "v1.101.0")

	fix := repo.WriteCommit(t, "fix: checkout rounding", map[string]string{"services/api/CHECKOUT": "rounding fixed\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	out := e2e.MustCLI(t, addr, "dot", "shop", "--train", "100", "--pick", fix[:10], "--reason", "s1", "--because", "rounding", "--as", "devon")
	if !strings.Contains(out, "queued on shop train 100") {
		t.Errorf("dot printed %q", out)
	}
	// v1.101.0 runs in prod, so the hotfix's release on train 100 is
	// tagged, built and deployed to stage, then refused in prod: no
	// downgrades. Train 101 ships it.
	waitReleases(t, addr, 101, "v1.101.1")

	older, _ := e2e.Status(t, addr, "v1.100.1")
	newer, _ := e2e.Status(t, addr, "v1.101.1")
	if older.State != workflows.Failed || !strings.Contains(older.Error, "v1.101.0 runs in prod") || !strings.Contains(older.Error, "a fix to train 100 goes on to train 101") {
		t.Errorf("v1.100.1 ended %s: %q; want it refused in prod, naming v1.101.0 and train 101", older.State, older.Error)
	}
	if !older.Ended.Before(newer.Started) {
		t.Errorf("v1.101.1 started at %s, before v1.100.1 ended at %s: the older train goes first", newer.Started, older.Ended)
	}
	repo.Git(t, "fetch", "--quiet", "origin")
	for _, branch := range []string{"train-100", "train-101"} {
		if log := repo.Git(t, "log", "--format=%B", "origin/main..origin/"+branch); !strings.Contains(log, "cherry picked from commit "+fix) {
			t.Errorf("%s lacks the hotfix %s", branch, fix[:7])
		}
	}
	for v, branch := range map[string]string{"v1.100.1": "train-100", "v1.101.1": "train-101"} {
		if tagged, head := repo.Git(t, "rev-parse", v+"^{commit}"), repo.Git(t, "rev-parse", "origin/"+branch); tagged != head {
			t.Errorf("%s tags %s, want the head of %s (%s)", v, tagged, branch, head)
		}
	}

	t.Run("continue_as_new_keeps_a_request_that_arrived_during_the_switch", func(t *testing.T) {
		ctx := context.Background()
		c, err := client.DialContext(ctx, client.Options{HostPort: addr})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rs := control.Releases{Client: c}
		p, err := config.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// One release a request, so the second is pending at the switch.
		p.Release.DotGather = 0
		first, err := rs.StartTrain(ctx, workflows.TrainInput{Pipeline: *p, Train: 102, TriggeredBy: "rita", ContinueAfter: 1})
		if err != nil {
			t.Fatal(err)
		}
		waitReleases(t, addr, 102, "v1.102.0")
		a := repo.WriteCommit(t, "fix: one", map[string]string{"services/api/ONE": "1\n"})
		b := repo.WriteCommit(t, "fix: two", map[string]string{"services/api/TWO": "2\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		// Both at once: the second waits while the first runs, then the
		// train continues as new after the first and must carry it.
		for _, sha := range []string{a, b} {
			if _, err := rs.TrainMessage(ctx, "shop", 102, contract.Dot, workflows.DotRequest{Commits: []string{sha}, By: "devon"}); err != nil {
				t.Fatal(err)
			}
		}
		waitReleases(t, addr, 102, "v1.102.1", "v1.102.2")
		desc, err := c.DescribeWorkflowExecution(ctx, workflows.TrainID("shop", 102), "")
		if err != nil {
			t.Fatal(err)
		}
		if desc.GetWorkflowExecutionInfo().GetExecution().GetRunId() == first {
			t.Error("the train never continued as new")
		}
	})

	t.Run("schedule_fires_with_and_without_new_commits_and_a_freeze_holds_production", func(t *testing.T) {
		testCandidates(t, repo, cfg, addr, 102)
	})
}
