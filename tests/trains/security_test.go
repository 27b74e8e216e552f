package trains

import (
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/notify/notifytest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestSecurityRelease runs a security dot release on real git, with a
// public and a private bare repository, through the real CLI, a worker
// process and a fake Slack: the fix is only in the private repository;
// while the release waits for production's approval, its tag is in the
// private repository and not the public one, and no public message names
// it; once in production, the tag is public, on the public train branch,
// and the public channel hears of it.
func TestSecurityRelease(t *testing.T) {
	repo, public, _ := e2e.ExampleRepo(t, nil)
	private := gittest.NewBare(t)
	repo.Git(t, "remote", "add", "private", private)
	repo.Git(t, "push", "--quiet", "private", "main")
	fake := notifytest.New(t, notifytest.WithChannel("C0SEC", "security"))
	cfg := e2e.WritePipeline(t, strings.Replace(e2e.ShopPipeline(public, "api"), "  url: "+public+"\n", "  url: "+public+"\n  private_url: "+private+"\n", 1)+`environments:
  stage: {}
  prod:
    window: always
    signoffs: [{role: sre}]
approvers:
  sre: [sam]
release:
  dot_gather: 0s
  ship_delay: 0s
notifications:
  slack:
    channel: "#releases"
    security_channel: "#security"
`)
	stk := e2e.NewStack(t)
	stk.WorkerArgs = []string{"--slack-api", fake.URL()}
	stk.WorkerEnv = []string{"SLACK_BOT_TOKEN=xoxb-security-test"}
	e2e.StartWorker(t, stk)
	addr := stk.Srv.Addr

	e2e.MustCLI(t, addr, "train", "start", "shop", "--train", "100", "-c", cfg, "--as", "rita")
	e2e.WaitForStage(t, addr, "v1.100.0", workflows.StageApproval, 3*time.Minute)
	e2e.MustCLI(t, addr, "approve", "v1.100.0", "--product", "shop", "--as", "sam")
	waitReleases(t, addr, 100, "v1.100.0")

	fix := repo.WriteCommit(t, "fix: session fixation", map[string]string{"services/api/SESSION": "rotated on login\n"})
	repo.Git(t, "push", "--quiet", "private", "main")
	if r := e2e.CLI(t, addr, "dot", "shop", "--train", "100", "--pick", fix[:10], "--reason", "s1", "--because", "x", "--private", private, "--as", "devon"); r.Code == 0 || !strings.Contains(r.Stderr, "add --security") {
		t.Errorf("--private without --security: exit %d, %s", r.Code, r.Stderr)
	}
	e2e.MustCLI(t, addr, "dot", "shop", "--train", "100", "--pick", fix[:10], "--security", "--reason", "s1", "--because", "session fixation, SEC-88", "--as", "devon")

	const v = "v1.100.1"
	e2e.WaitForStage(t, addr, v, workflows.StageApproval, 3*time.Minute)
	// tagIn is the commit the release's tag names in remote, or "".
	tagIn := func(remote string) string {
		for _, line := range strings.Split(repo.Git(t, "ls-remote", "--tags", remote), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[1] == "refs/tags/"+v+"^{}" {
				return f[0]
			}
		}
		return ""
	}
	if tagIn(private) == "" {
		t.Fatal("the security release is not tagged in the private repository")
	}
	if got := tagIn(public); got != "" {
		t.Fatalf("the public repository has %s before production: %s", v, got)
	}
	publicMentions := func() []string {
		var out []string
		for _, m := range fake.Messages() {
			if m.Channel != "C0SEC" && strings.Contains(m.Text, v) {
				out = append(out, m.Text)
			}
		}
		return out
	}
	if leaked := publicMentions(); len(leaked) > 0 {
		t.Fatalf("public messages name %s before production: %q", v, leaked)
	}
	security := 0
	for _, m := range fake.Messages() {
		if m.Channel == "C0SEC" && strings.Contains(m.Text, v) {
			security++
		}
	}
	if security == 0 {
		t.Error("the security channel heard nothing of the security release")
	}

	e2e.MustCLI(t, addr, "approve", v, "--product", "shop", "--as", "sam")
	waitReleases(t, addr, 100, v)
	st, err := e2e.Status(t, addr, v)
	if err != nil {
		t.Fatal(err)
	}
	if st.Uplift == nil || st.Uplift.Open {
		t.Fatalf("uplift = %+v; want done", st.Uplift)
	}
	if got, want := tagIn(public), tagIn(private); got != want {
		t.Fatalf("public tag %s = %q, want the released commit %s", v, got, want)
	}
	if head := strings.Fields(repo.Git(t, "ls-remote", public, "refs/heads/train-100"))[0]; head != tagIn(private) {
		t.Errorf("public train-100 is at %s, want the released %s", head, tagIn(private))
	}
	if len(publicMentions()) == 0 {
		t.Error("the public channel never heard of the release once it was public")
	}
	if !strings.Contains(st.Notes, "session fixation") {
		t.Errorf("notes once public:\n%s", st.Notes)
	}
}
