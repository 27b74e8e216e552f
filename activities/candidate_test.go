package activities

import (
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

// commitAs makes an empty commit by author, written at date (with its UTC
// offset, as git records it).
func commitAs(t *testing.T, repo *gittest.Repo, author, date, message string) {
	t.Helper()
	repo.Git(t, "commit", "--quiet", "--allow-empty", "--no-verify", "--author", author, "--date", date, "--message", message)
}

func TestCandidateCheck(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	repo.WriteCommit(t, "feat: checkout", map[string]string{"checkout.go": "v1\n"})
	repo.Git(t, "tag", "v1.7.0")
	repo.Git(t, "push", "--quiet", "origin", "main", "v1.7.0")
	g := &Git{Dir: t.TempDir()}
	req := contract.CandidateCheckRequest{Product: "shop", RepoURL: remote, MainBranch: "main", TimeZone: "America/New_York"}

	t.Run("no_train_yet_follows_the_highest_tag", func(t *testing.T) {
		got, err := runActivity(t, g.CandidateCheck, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastTrain != 0 || got.NextTrain != 8 || got.NewCommits != 1 || got.Head != repo.Git(t, "rev-parse", "HEAD") {
			t.Errorf("check = %+v; want no train, next 8, one new commit at main's head", got)
		}
	})

	if _, err := runActivity(t, g.CutTrain, contract.CutRequest{Product: "shop", RepoURL: remote, MainBranch: "main", Train: 8}); err != nil {
		t.Fatal(err)
	}
	t.Run("nothing_new_since_the_cut", func(t *testing.T) {
		got, err := runActivity(t, g.CandidateCheck, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastTrain != 8 || got.NextTrain != 9 || got.NewCommits != 0 || len(got.Committers) != 0 {
			t.Errorf("check = %+v; want train 8 last, 9 next, nothing new", got)
		}
	})

	// November: New York is at -05:00.
	commitAs(t, repo, "Ada <ada@example.com>", "2026-11-19T10:00:00-05:00", "fix: rounding")
	commitAs(t, repo, "Bo <bo@example.com>", "2026-11-19T16:00:00+01:00", "feat: wishlist")
	commitAs(t, repo, "Ada <ADA@example.com>", "2026-11-20T09:00:00-05:00", "fix: cart")
	commitAs(t, repo, "Cy <cy@example.com>", "2026-11-20T09:30:00-05:00", "docs: readme")
	commitAs(t, repo, "Cy <cy@example.com>", "2026-11-20T18:30:00+00:00", "chore: deps from abroad")
	repo.Git(t, "push", "--quiet", "origin", "main")

	t.Run("new_commits_name_their_committers_and_who_is_in_the_zone", func(t *testing.T) {
		got, err := runActivity(t, g.CandidateCheck, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.NewCommits != 5 || got.NextTrain != 9 {
			t.Fatalf("check = %+v; want 5 new commits for train 9", got)
		}
		want := []contract.Committer{
			{Name: "Ada", Email: "ada@example.com", Commits: 2, InZone: true},
			{Name: "Bo", Email: "bo@example.com", Commits: 1, InZone: false},
			{Name: "Cy", Email: "cy@example.com", Commits: 2, InZone: false},
		}
		if len(got.Committers) != len(want) {
			t.Fatalf("committers = %+v, want %+v", got.Committers, want)
		}
		for i := range want {
			if got.Committers[i] != want[i] {
				t.Errorf("committer %d = %+v, want %+v", i, got.Committers[i], want[i])
			}
		}
	})

	t.Run("bad_zone_is_refused", func(t *testing.T) {
		bad := req
		bad.TimeZone = "Mars/Olympus"
		if _, err := runActivity(t, g.CandidateCheck, bad); appErrType(err) != contract.ErrBadInput {
			t.Errorf("check with zone Mars/Olympus = %v, want a bad-input error", err)
		}
	})
}
