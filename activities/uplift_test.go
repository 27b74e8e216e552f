package activities

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

// A security fix made in a private repository is picked onto the private
// copy of the train, tagged there, and reaches the public repository only
// through Uplift: a fast-forward when the public train has not moved, a
// conflict that pushes nothing when it has, and the tag alone once
// someone merged by hand.
func TestSecurityRelease_private_pick_and_uplift(t *testing.T) {
	gittest.Isolate(t)
	repo, public := gittest.NewWithRemote(t)
	private := gittest.NewBare(t)
	repo.Git(t, "remote", "add", "private", private)
	repo.WriteCommit(t, "feat: checkout", map[string]string{"checkout.go": "v1\n", "cart.go": "v1\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	repo.Git(t, "push", "--quiet", "private", "main")
	g := &Git{Dir: t.TempDir()}
	if _, err := runActivity(t, g.CutTrain, contract.CutRequest{Product: "shop", RepoURL: public, MainBranch: "main", Train: 100}); err != nil {
		t.Fatal(err)
	}
	publicTrain := func() string {
		return strings.Fields(repo.Git(t, "ls-remote", public, "refs/heads/train-100") + " -")[0]
	}
	publicTag := func(tag string) string { return repo.Git(t, "ls-remote", public, "refs/tags/"+tag) }

	fix := repo.WriteCommit(t, "fix: checkout overflow (private)", map[string]string{"checkout.go": "v1\noverflow fixed\n"})
	repo.Git(t, "push", "--quiet", "private", "main")
	before := publicTrain()
	pick := contract.PickRequest{Product: "shop", RepoURL: public, Private: private, MainBranch: "main", Train: 100, Commits: []string{fix}}
	res, err := runActivity(t, g.CherryPick, pick)
	if err != nil || res.New != 1 {
		t.Fatalf("private pick = %+v, %v", res, err)
	}
	if publicTrain() != before {
		t.Fatal("the private pick moved the public train branch")
	}
	if got := repo.Git(t, "ls-remote", private, "refs/heads/train-100"); !strings.HasPrefix(got, res.Head) {
		t.Fatalf("private train-100 = %q, want %s", got, res.Head)
	}
	if _, err := runActivity(t, g.Tag, contract.TagRequest{Product: "shop", RepoURL: private, Tag: "v1.100.1", Ref: res.Head, Message: "security"}); err != nil {
		t.Fatal(err)
	}
	if publicTag("v1.100.1") != "" {
		t.Fatal("the tag reached the public repository before the uplift")
	}

	up := contract.UpliftRequest{Product: "shop", Private: private, Public: public, MainBranch: "main", Train: 100, Tag: "v1.100.1"}
	out, err := runActivity(t, g.Uplift, up)
	if err != nil || out.Merged || out.Head != res.Head || publicTrain() != res.Head || publicTag("v1.100.1") == "" {
		t.Fatalf("uplift = %+v, %v; public train %s, tag %q; want a fast-forward to %s with the tag", out, err, publicTrain(), publicTag("v1.100.1"), res.Head)
	}
	if again, err := runActivity(t, g.Uplift, up); err != nil || again.Head != res.Head {
		t.Fatalf("uplift again = %+v, %v; want done already", again, err)
	}

	// The public train moves on with a change to the same lines while a
	// second security fix is in production.
	repo.Git(t, "fetch", "--quiet", "origin")
	repo.Git(t, "checkout", "--quiet", "-b", "train-100", "origin/train-100")
	repo.WriteCommit(t, "fix: checkout wording (public)", map[string]string{"checkout.go": "v1\noverflow fixed\npublic wording\n"})
	repo.Git(t, "push", "--quiet", "origin", "train-100")
	repo.Git(t, "checkout", "--quiet", "main")
	fix2 := repo.WriteCommit(t, "fix: checkout injection (private)", map[string]string{"checkout.go": "v1\noverflow fixed\ninjection fixed\n"})
	repo.Git(t, "push", "--quiet", "private", "main")
	res2, err := runActivity(t, g.CherryPick, contract.PickRequest{Product: "shop", RepoURL: public, Private: private, MainBranch: "main", Train: 100, Commits: []string{fix2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, g.Tag, contract.TagRequest{Product: "shop", RepoURL: private, Tag: "v1.100.2", Ref: res2.Head, Message: "security"}); err != nil {
		t.Fatal(err)
	}
	moved := publicTrain()
	up.Tag = "v1.100.2"
	_, err = runActivity(t, g.Uplift, up)
	if appErrType(err) != contract.ErrConflict || !strings.Contains(err.Error(), "checkout.go") || !strings.Contains(err.Error(), "signalman train uplift shop --train 100 --version v1.100.2") {
		t.Fatalf("conflicting uplift: %v (type %q); want a conflict naming checkout.go and how to finish", err, appErrType(err))
	}
	if publicTrain() != moved || publicTag("v1.100.2") != "" {
		t.Fatal("a conflicting uplift pushed something")
	}

	// Someone merges it by hand; the uplift then only pushes the tag.
	repo.Git(t, "fetch", "--quiet", "origin")
	repo.Git(t, "fetch", "--quiet", "private", "--tags")
	repo.Git(t, "checkout", "--quiet", "train-100")
	repo.Git(t, "reset", "--quiet", "--hard", "origin/train-100")
	if err := exec.Command("git", "-C", repo.Dir, "-c", "user.name=Sam", "-c", "user.email=sam@example.com", "merge", "--no-edit", "v1.100.2").Run(); err == nil {
		t.Fatal("the hand merge should conflict too")
	}
	repo.WriteCommit(t, "Merge security release v1.100.2", map[string]string{"checkout.go": "v1\noverflow fixed\ninjection fixed\npublic wording\n"})
	repo.Git(t, "push", "--quiet", "origin", "train-100")
	out, err = runActivity(t, g.Uplift, up)
	if err != nil || publicTag("v1.100.2") == "" || out.Head != publicTrain() {
		t.Fatalf("uplift after the hand merge = %+v, %v; tag %q", out, err, publicTag("v1.100.2"))
	}
}
