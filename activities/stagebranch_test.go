package activities

import (
	"slices"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

// TestStageBranch picks a change that is not merged yet onto a stage
// branch made from the train: the branch is made and pushed with the pick
// on it, the train branch does not move, the paths the pick touches come
// back, and a retry adds nothing.
func TestStageBranch(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	repo.WriteCommit(t, "feat: shop", map[string]string{"services/api/main.go": "v1\n", "services/auth/main.go": "v1\n", "cart.go": "v1\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	g := &Git{Dir: t.TempDir()}
	if _, err := runActivity(t, g.CutTrain, contract.CutRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100}); err != nil {
		t.Fatal(err)
	}
	train := repo.Git(t, "ls-remote", "origin", "refs/heads/train-100")

	// A change on a topic branch, not merged into main.
	repo.Git(t, "checkout", "--quiet", "-b", "topic")
	change := repo.WriteCommit(t, "fix: api timeouts", map[string]string{"services/api/main.go": "v2\n", "services/api/timeout.go": "x\n"})
	repo.Git(t, "push", "--quiet", "origin", "topic")
	repo.Git(t, "checkout", "--quiet", "main")
	clash := repo.WriteCommit(t, "feat: new cart", map[string]string{"cart.go": "main edit\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")

	req := contract.PickRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 100, Commits: []string{change[:9]},
		Branch: "stage/api-timeouts", Base: "train-100"}

	t.Run("an_unmerged_change_goes_onto_a_new_branch_from_the_train", func(t *testing.T) {
		res, err := runActivity(t, g.CherryPick, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.New != 1 || !slices.Equal(res.Touched, []string{"services/api/main.go", "services/api/timeout.go"}) {
			t.Fatalf("pick = %+v; want one new commit touching the api's two files", res)
		}
		if got := repo.Git(t, "ls-remote", "origin", "refs/heads/stage/api-timeouts"); !strings.HasPrefix(got, res.Head) {
			t.Errorf("remote stage/api-timeouts = %q, want %s", got, res.Head)
		}
		repo.Git(t, "fetch", "--quiet", "origin")
		if parent := strings.TrimSpace(repo.Git(t, "rev-parse", res.Head+"^")); !strings.HasPrefix(train, parent) {
			t.Errorf("the stage branch starts at %s, want the train's head %s", parent, train)
		}
		if after := repo.Git(t, "ls-remote", "origin", "refs/heads/train-100"); after != train {
			t.Errorf("the train branch moved: %s -> %s", train, after)
		}
		again, err := runActivity(t, g.CherryPick, req)
		if err != nil || again.New != 0 || again.Head != res.Head || !slices.Equal(again.Touched, res.Touched) {
			t.Errorf("retried pick = %+v, %v; want nothing new at %s, touching the same paths", again, err, res.Head)
		}
	})

	t.Run("a_conflict_is_the_dot_release_conflict_and_makes_no_branch", func(t *testing.T) {
		repo.Git(t, "fetch", "--quiet", "origin")
		repo.Git(t, "checkout", "--quiet", "-b", "train-edit", "origin/train-100")
		repo.WriteCommit(t, "cart on the train only", map[string]string{"cart.go": "train edit\n"})
		repo.Git(t, "push", "--quiet", "origin", "train-edit:train-100")
		repo.Git(t, "checkout", "--quiet", "main")
		c := req
		c.Branch, c.Commits = "stage/new-cart", []string{clash}
		_, err := runActivity(t, g.CherryPick, c)
		if appErrType(err) != contract.ErrConflict || !strings.Contains(err.Error(), "stage branch stage/new-cart") || !strings.Contains(err.Error(), "cart.go") {
			t.Fatalf("conflicting pick: %v (type %q); want a conflict on stage/new-cart naming cart.go", err, appErrType(err))
		}
		if got := repo.Git(t, "ls-remote", "origin", "refs/heads/stage/new-cart"); got != "" {
			t.Errorf("a conflicting stage deploy left a branch: %s", got)
		}
	})

	t.Run("a_missing_train_is_bad_input", func(t *testing.T) {
		c := req
		c.Branch, c.Base = "stage/nowhere", "train-999"
		_, err := runActivity(t, g.CherryPick, c)
		if appErrType(err) != contract.ErrBadInput || !strings.Contains(err.Error(), "no branch train-999") {
			t.Errorf("pick from a train never cut: %v", err)
		}
	})
}
