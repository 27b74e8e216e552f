package chaos

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/notify/notifytest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

var (
	chaosRuns = flag.Int("chaos.runs", 2, "releases TestChaos runs, each with faults at random stages (BENCHMARKS.md records 50)")
	chaosSeed = flag.Uint64("chaos.seed", 0, "seed of TestChaos's choices (0: from the clock; the seed is logged)")
)

// chaosStages are where faults strike: while the stage runs (a build, a
// signature, a deploy or a canary in flight) or waits (a gate).
var chaosStages = []string{
	workflows.StageBuild, workflows.StageSign, workflows.StageDeployStage,
	workflows.StageQASignoff, workflows.StageApproval, workflows.StageCanary,
}

// fault is one thing that goes wrong at a stage.
type fault struct {
	stage string
	// restartServer stops the embedded Temporal server and starts it
	// again on its data directory; otherwise the worker is SIGKILLed and
	// a new one started.
	restartServer bool
	done          bool
}

func (f fault) String() string {
	what := "kill the worker"
	if f.restartServer {
		what = "restart the server"
	}
	return what + " at " + f.stage
}

// TestChaos releases the example product again and again while the
// worker is killed with SIGKILL and the Temporal server is restarted at
// random stages: mid-build, mid-sign, mid-deploy, at the gates and
// mid-canary. Every release must complete, and each of its side effects
// must have happened exactly once: one tag, one image per service, one
// signature and one pair of attestations per image, one running instance
// per service and environment, each Slack message once, each approval
// recorded once. -chaos.runs sets how many releases (2 by default, so CI
// stays quick; BENCHMARKS.md records a run of 50).
func TestChaos(t *testing.T) {
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("chaos seed %d (rerun with -chaos.seed %d)", seed, seed)
	rnd := rand.New(rand.NewPCG(seed, seed>>1))

	posted := notifytest.New(t)

	repo, remote, _ := e2e.ExampleRepo(t, nil)
	cfg := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "auth-server", "api")+`environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    window: always
    bake: 0s
    signoffs: [{role: sre}]
    canary:
      steps: [{weight: 50, pause: 4s}]
      # Judged on errors only: this test is about durability, and on a
      # loaded machine latency noise between two healthy instances is not
      # what it means to catch.
      metrics: [{name: error_rate}]
approvers:
  qa: [quinn]
  sre: [sam]
release:
  ship_delay: 0s
notifications:
  slack:
    channel: "#releases"
`)

	stk := e2e.NewStack(t)
	stk.WorkerArgs = []string{"--slack-api", posted.URL()}
	stk.WorkerEnv = []string{"SLACK_BOT_TOKEN=xoxb-chaos-bot-token"}
	worker := e2e.StartWorker(t, stk)
	addr := stk.Srv.Addr

	var loads []*e2e.LoadGen
	defer func() {
		for _, l := range loads {
			l.End()
		}
	}()
	totalFaults := 0
	for i := range *chaosRuns {
		version := fmt.Sprintf("v1.%d.0", 20+i)
		repo.WriteCommit(t, "feat: change "+version, map[string]string{"services/api/CHANGE": version + "\n"})
		repo.Git(t, "push", "--quiet", "origin", "main")
		sha := repo.Git(t, "rev-parse", "HEAD")

		// Two faults at two different stages of this release.
		picks := rnd.Perm(len(chaosStages))[:2]
		faults := []*fault{
			{stage: chaosStages[picks[0]], restartServer: rnd.IntN(2) == 0},
			{stage: chaosStages[picks[1]], restartServer: rnd.IntN(2) == 0},
		}
		t.Logf("%s: %v, %v", version, faults[0], faults[1])

		e2e.MustCLI(t, addr, "release", "start", version, "--config", cfg, "--as", "alice")
		signed := map[string]bool{}
		var st workflows.Status
		deadline := time.Now().Add(6 * time.Minute)
		for {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not finish in 6 minutes; last seen at %s %s\n%s", version, st.Stage, st.State,
					e2e.Pending(t, addr, workflows.ReleaseID("shop", version)))
			}
			var err error
			st, err = e2e.Status(t, addr, version)
			if err != nil {
				time.Sleep(200 * time.Millisecond)
				continue
			}
			if st.Finished() {
				break
			}
			for _, f := range faults {
				if f.done || st.Stage != f.stage {
					continue
				}
				f.done = true
				totalFaults++
				if f.restartServer {
					stk.Srv.Stop()
					stk.Srv.Start()
				} else {
					worker.Kill()
					worker = e2e.StartWorker(t, stk)
				}
			}
			gate := map[string][]string{
				workflows.StageQASignoff: {"signoff", version, "--product", "shop", "--verdict", "green", "--as", "quinn"},
				workflows.StageApproval:  {"approve", version, "--product", "shop", "--env", "prod", "--as", "sam"},
			}[st.Stage]
			if gate != nil && !signed[st.Stage] && st.StageNamed(st.Stage).State == workflows.Waiting {
				// The gate is open and nothing is planned for it any more:
				// approve. A refusal because it was recorded already (a
				// reply lost in a restart) counts as done.
				if pending := slices.ContainsFunc(faults, func(f *fault) bool { return !f.done && f.stage == st.Stage }); !pending {
					r := e2e.CLI(t, addr, gate...)
					switch {
					case r.Code == 0, r.Code == 3 && strings.Contains(r.Stderr, "already"):
						signed[st.Stage] = true
					case r.Code != 1:
						t.Fatalf("signalman %s: exit %d: %s", strings.Join(gate, " "), r.Code, r.Stderr)
					}
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		if st.State != workflows.Succeeded {
			t.Fatalf("%s %s at %s: %s (faults %v, %v)", version, st.State, st.Stage, st.Error, faults[0], faults[1])
		}
		if i == 0 {
			// From the second release on, prod has a baseline and each
			// release goes through a real canary: it needs traffic.
			// Enough that a canary step has far more than the judge's
			// minimum of samples even on a loaded machine; with too few,
			// the verdict is "no data" and waits for a person.
			loads = append(loads, e2e.StartLoad(t, stk, "auth-server", "/healthz", 50), e2e.StartLoad(t, stk, "api", "/api/ping", 50))
		}
		checkOnce(t, stk, repo, posted, st, sha)
	}
	t.Logf("%d releases, %d faults, all completed with every side effect once", *chaosRuns, totalFaults)
	if path := os.Getenv("SIGNALMAN_CHAOS_REPORT"); path != "" {
		os.WriteFile(path, []byte(fmt.Sprintf("releases %d faults %d seed %d\n", *chaosRuns, totalFaults, seed)), 0o644)
	}
}

// checkOnce checks that each side effect of a finished release happened
// exactly once.
func checkOnce(t *testing.T, s *e2e.Stack, repo *gittest.Repo, posted *notifytest.Server, st workflows.Status, sha string) {
	t.Helper()
	v := st.Version
	// One tag, on the release's commit.
	if got := strings.Fields(repo.Git(t, "ls-remote", "origin", "refs/tags/"+v+"^{}")); len(got) != 2 || got[0] != sha {
		t.Errorf("%s: remote tag %v, want one at %s", v, got, sha)
	}
	// One image per service (the tag carries the version), one signature
	// and two attestations each.
	e2e.CheckImages(t, s, st, sha)
	for _, svc := range []string{"auth-server", "api"} {
		repo, err := name.NewRepository(s.Registry.Host()+"/shop/"+svc, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := remote.List(repo)
		if err != nil {
			t.Fatalf("tags of %s: %v", repo, err)
		}
		n := 0
		for _, tag := range tags {
			if strings.HasPrefix(tag, v+"-build.") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d images of %s pushed (%v), want 1", v, n, svc, tags)
		}
		for _, env := range []string{"stage", "prod"} {
			if got := e2e.Serving(t, s, env, svc); got != svc+" "+v {
				t.Errorf("%s %s serves %q, want %s", env, svc, got, v)
			}
			if n := len(e2e.Instances(t, s, env, svc)); n != 1 {
				t.Errorf("%s: %s %s has %d instances running, want 1", v, env, svc, n)
			}
		}
	}
	// Each approval once, each Slack message once.
	if len(st.Signoffs) != 2 || st.Signoffs[0].Person != "quinn" || st.Signoffs[1].Person != "sam" {
		t.Errorf("%s: signoffs %+v, want quinn's and sam's, once each", v, st.Signoffs)
	}
	for _, msg := range []string{v + " waits for qa", v + " waits for sre", v + " is in production"} {
		if n := posted.Posted(msg); n != 1 {
			t.Errorf("%s: Slack message %q posted %d times, want once", v, msg, n)
		}
	}
	if n := len(st.Deploys); n != 4 {
		t.Errorf("%s: %d deploys recorded (%+v), want 4: two services on two environments", v, n, st.Deploys)
	}
}
