package activities

import (
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestTrainGit(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	repo.WriteCommit(t, "feat: checkout", map[string]string{"checkout.go": "v1\n", "cart.go": "v1\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	g := &Git{Dir: t.TempDir()}

	cut, err := runActivity(t, g.CutTrain, contract.CutRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := runActivity(t, g.CutTrain, contract.CutRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100}); err != nil || again != cut {
		t.Errorf("cutting train 100 again = %s, %v; want the existing branch at %s", again, err, cut)
	}

	// On main after the cut: a fix, a change that conflicts with the train,
	// and a second fix.
	fix := repo.WriteCommit(t, "fix: checkout rounding", map[string]string{"checkout.go": "v1\nrounding fixed\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	// A conflicting change: train-100 gets its own edit of cart.go first.
	repo.Git(t, "fetch", "--quiet", "origin")
	repo.Git(t, "checkout", "--quiet", "-b", "train-100", "origin/train-100")
	repo.WriteCommit(t, "fix: cart on the train only", map[string]string{"cart.go": "train edit\n"})
	repo.Git(t, "push", "--quiet", "origin", "train-100")
	repo.Git(t, "checkout", "--quiet", "main")
	clash := repo.WriteCommit(t, "feat: new cart", map[string]string{"cart.go": "main edit\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")

	t.Run("dot_release_picks_onto_the_train_and_pushes", func(t *testing.T) {
		res, err := runActivity(t, g.CherryPick, contract.PickRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100, Commits: []string{fix[:10]}})
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 1 || res.Head == "" {
			t.Fatalf("pick = %+v", res)
		}
		if got := repo.Git(t, "ls-remote", "origin", "refs/heads/train-100"); !strings.HasPrefix(got, res.Head) {
			t.Errorf("remote train-100 = %q, want %s", got, res.Head)
		}
		repo.Git(t, "fetch", "--quiet", "origin")
		msg := repo.Git(t, "--no-pager", "log", "-1", "--format=%B", res.Head)
		if !strings.Contains(msg, "cherry picked from commit "+fix) {
			t.Errorf("pick lacks the -x trailer: %q", msg)
		}
		again, err := runActivity(t, g.CherryPick, contract.PickRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100, Commits: []string{fix}})
		if err != nil || again.New != 0 || again.Head != res.Head {
			t.Errorf("retried pick = %+v, %v; want nothing new at %s", again, err, res.Head)
		}
	})

	t.Run("conflict_leaves_the_branch_untouched_and_names_the_files", func(t *testing.T) {
		before := repo.Git(t, "ls-remote", "origin", "refs/heads/train-100")
		_, err := runActivity(t, g.CherryPick, contract.PickRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100, Commits: []string{clash}})
		if appErrType(err) != contract.ErrConflict || !strings.Contains(err.Error(), clash[:7]) || !strings.Contains(err.Error(), "cart.go") {
			t.Fatalf("conflicting pick: %v (type %q); want a conflict naming %s and cart.go", err, appErrType(err), clash[:7])
		}
		if after := repo.Git(t, "ls-remote", "origin", "refs/heads/train-100"); after != before {
			t.Errorf("the train branch moved: %s -> %s", before, after)
		}
	})

	t.Run("commit_not_on_main_is_refused", func(t *testing.T) {
		repo.Git(t, "checkout", "--quiet", "-b", "topic")
		topic := repo.WriteCommit(t, "wip", map[string]string{"wip.go": "x\n"})
		repo.Git(t, "push", "--quiet", "origin", "topic")
		repo.Git(t, "checkout", "--quiet", "main")
		_, err := runActivity(t, g.CherryPick, contract.PickRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100, Commits: []string{topic}})
		if appErrType(err) != contract.ErrBadInput || !strings.Contains(err.Error(), "is not on main") {
			t.Errorf("pick from a topic branch: %v", err)
		}
	})

	t.Run("trains_are_listed_in_order", func(t *testing.T) {
		repo.Git(t, "push", "--quiet", "origin", "main:train-101", "main:train-99", "main:feature-x")
		trains, err := runActivity(t, g.Trains, contract.TrainsRequest{Product: "shop", RepoURL: remote})
		if err != nil || len(trains) != 3 || trains[0] != 99 || trains[1] != 100 || trains[2] != 101 {
			t.Errorf("trains = %v, %v; want [99 100 101]", trains, err)
		}
	})
}
