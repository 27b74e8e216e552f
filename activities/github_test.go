package activities

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/github/githubtest"
)

const (
	ghCommit   = "5f1c0c8e2b8f4a7d9e6b3c2a1f0e9d8c7b6a5f4e"
	ghTokenEnv = "SHOP_GITHUB_TOKEN"
	// ghToken is what the worker's environment holds under ghTokenEnv.
	ghToken = "ghp_Sup3rSecretTokenThatMustNotLeak"
)

// newGitHub starts a fake GitHub holding acme/shop that accepts ghToken,
// and returns it with a GitHub activity whose environment holds the
// token, polling fast, and the repository as a workflow would pass it.
func newGitHub(t *testing.T) (*githubtest.Server, *GitHub, contract.GitHubRepo) {
	t.Helper()
	s := githubtest.New(t, "acme", "shop")
	s.SetToken(ghToken)
	env := map[string]string{ghTokenEnv: ghToken}
	g := &GitHub{
		Getenv:  func(k string) string { return env[k] },
		Poll:    5 * time.Millisecond,
		MaxPoll: 20 * time.Millisecond,
	}
	return s, g, contract.GitHubRepo{Repo: "acme/shop", API: s.URL(), TokenEnv: ghTokenEnv}
}

// after runs do in a goroutine once cond holds, as the world changes
// while an activity waits; the returned channel closes when it is done.
// It gives up, failing the test, after a while.
func after(t *testing.T, what string, cond func() bool, do func()) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Errorf("timed out waiting for %s", what)
				return
			}
			time.Sleep(time.Millisecond)
		}
		do()
	}()
	return done
}

func TestWaitForChecks(t *testing.T) {
	t.Run("pending_then_passing_returns_once_they_pass", func(t *testing.T) {
		s, g, repo := newGitHub(t)
		s.SetCheckRun(ghCommit, "build", "in_progress", "")
		s.SetStatus(ghCommit, "ci/lint", "success")

		var s2 testsuite.WorkflowTestSuite
		env := s2.NewTestActivityEnvironment()
		var mu sync.Mutex
		var beats []ChecksProgress
		env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
			var p ChecksProgress
			if err := details.Get(&p); err != nil {
				t.Errorf("heartbeat details: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			beats = append(beats, p)
		})
		env.RegisterActivity(g.WaitForChecks)

		// CI finishes after the activity has looked twice.
		finished := after(t, "two looks at the checks",
			func() bool { return s.Requests(githubtest.CheckRuns) >= 2 },
			func() { s.SetCheckRun(ghCommit, "build", "completed", "success") })
		v, err := env.ExecuteActivity(g.WaitForChecks, contract.ChecksRequest{GitHub: repo, Commit: ghCommit})
		<-finished
		if err != nil {
			t.Fatalf("WaitForChecks: %v", err)
		}
		var res contract.ChecksResult
		if err := v.Get(&res); err != nil {
			t.Fatal(err)
		}
		if res.Polls < 3 {
			t.Errorf("polls = %d, want at least 3 (two pending, one passing)", res.Polls)
		}
		mu.Lock()
		defer mu.Unlock()
		if want := (ChecksProgress{Pending: []string{"build"}}); len(beats) == 0 || !reflect.DeepEqual(beats[0], want) {
			t.Errorf("heartbeats = %+v, want the first to be %+v", beats, want)
		}
	})

	t.Run("failing_check_is_a_non_retryable_error_naming_it", func(t *testing.T) {
		s, g, repo := newGitHub(t)
		s.SetCheckRun(ghCommit, "unit tests", "completed", "failure")
		s.SetCheckRun(ghCommit, "e2e", "in_progress", "")
		s.SetStatus(ghCommit, "ci/lint", "success")
		_, err := runActivity(t, g.WaitForChecks, contract.ChecksRequest{GitHub: repo, Commit: ghCommit})
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != contract.ErrTestFailed {
			t.Fatalf("WaitForChecks = %v, want a non-retryable %s", err, contract.ErrTestFailed)
		}
		for _, want := range []string{"unit tests", ghCommit, "acme/shop"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "ci/lint") {
			t.Errorf("error %q names a passing check", err)
		}
	})

	t.Run("cancellation_stops_the_wait", func(t *testing.T) {
		s, g, repo := newGitHub(t)
		s.SetCheckRun(ghCommit, "build", "queued", "")
		g.Poll, g.MaxPoll = 20*time.Millisecond, 20*time.Millisecond // only cancellation can end the wait
		ctx, cancel := context.WithCancel(t.Context())
		// Cancelled during or after the second look: either way the error
		// names what the last complete look found pending.
		cancelled := after(t, "a second look at the checks", func() bool { return s.Requests(githubtest.CheckRuns) >= 2 }, cancel)
		start := time.Now()
		_, err := g.WaitForChecks(ctx, contract.ChecksRequest{GitHub: repo, Commit: ghCommit})
		<-cancelled
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still pending: build") {
			t.Errorf("WaitForChecks after cancel = %v, want context.Canceled naming the pending check", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("WaitForChecks took %v to notice the cancellation", d)
		}
	})

	t.Run("no_commit_is_bad_input", func(t *testing.T) {
		_, g, repo := newGitHub(t)
		if _, err := runActivity(t, g.WaitForChecks, contract.ChecksRequest{GitHub: repo}); appErrType(err) != contract.ErrBadInput {
			t.Errorf("WaitForChecks without a commit = %v, want %s", err, contract.ErrBadInput)
		}
	})
}

func TestOpenPulls(t *testing.T) {
	s, g, repo := newGitHub(t)
	s.SetMaxPerPage(2)
	for _, p := range []githubtest.Pull{
		{Number: 1, Title: "feat: search", Author: "ada", Base: "train-101"},
		{Number: 2, Title: "fix: typo", Author: "bob", Base: "main", Labels: []string{"bug", "train-101"}},
		{Number: 3, Title: "chore: deps", Author: "eve", Base: "main"},
		{Number: 4, Title: "docs: readme", Author: "bob", Base: "train-100"},
		{Number: 5, Title: "feat: carts", Author: "ada", Base: "train-101", State: githubtest.Closed},
		{Number: 6, Title: "fix: old train", Author: "eve", Base: "train-100", Labels: []string{"train-101"}},
		{Number: 7, Title: "feat: next train", Author: "ada", Base: "main", Labels: []string{"train-102"}},
		{Number: 8, Title: "perf: cache", Author: "grace", Base: "train-101", Labels: []string{"train-101"}},
		{Number: 9, Title: "fix: landed", Author: "bob", Base: "main", Labels: []string{"train-101"}, State: githubtest.Merged, MergeCommit: "m9"},
	} {
		s.AddPull(p)
	}

	got, err := runActivity(t, g.OpenPulls, contract.OpenPullsRequest{GitHub: repo, Train: 101, MainBranch: "main"})
	if err != nil {
		t.Fatalf("OpenPulls: %v", err)
	}
	want := []contract.PullRequest{
		{Number: 1, Title: "feat: search", Author: "ada", URL: "https://github.example.com/acme/shop/pull/1"},
		{Number: 2, Title: "fix: typo", Author: "bob", URL: "https://github.example.com/acme/shop/pull/2"},
		{Number: 8, Title: "perf: cache", Author: "grace", URL: "https://github.example.com/acme/shop/pull/8"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OpenPulls =\n%+v\nwant (on train-101, or on main labelled train-101)\n%+v", got, want)
	}

	if _, err := runActivity(t, g.OpenPulls, contract.OpenPullsRequest{GitHub: repo, MainBranch: "main"}); appErrType(err) != contract.ErrBadInput {
		t.Errorf("OpenPulls without a train = %v, want %s", err, contract.ErrBadInput)
	}
	if _, err := runActivity(t, g.OpenPulls, contract.OpenPullsRequest{GitHub: contract.GitHubRepo{Repo: "shop"}, Train: 101, MainBranch: "main"}); appErrType(err) != contract.ErrBadInput {
		t.Errorf("OpenPulls of a repository without owner = %v, want %s", err, contract.ErrBadInput)
	}
}

func TestPublishRelease(t *testing.T) {
	s, g, repo := newGitHub(t)
	req := contract.PublishRequest{GitHub: repo, Tag: "v1.101.0", Name: "shop v1.101.0", Body: "# shop v1.101.0\n"}
	first, err := runActivity(t, g.PublishRelease, req)
	if err != nil {
		t.Fatalf("PublishRelease: %v", err)
	}
	second, err := runActivity(t, g.PublishRelease, req)
	if err != nil {
		t.Fatalf("PublishRelease again: %v", err)
	}
	want := contract.PublishResult{URL: "https://github.example.com/acme/shop/releases/tag/v1.101.0"}
	if first != want || second != want {
		t.Errorf("results = %+v, %+v; want %+v twice", first, second, want)
	}
	if n, posts := s.ReleaseCount(), s.Requests(githubtest.CreateRelease); n != 1 || posts != 1 {
		t.Errorf("releases = %d after %d creations, want 1 after 1", n, posts)
	}
	if body := s.ReleaseBody("v1.101.0"); body != req.Body {
		t.Errorf("release body = %q, want %q", body, req.Body)
	}
}

// notesRepo makes a product repository with releases v1.4.0 and v1.5.0,
// and returns its remote and the commit of "feat: search", the change
// v1.5.0 brings through a pull request.
func notesRepo(t *testing.T) (remote, search string) {
	t.Helper()
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	repo.WriteCommit(t, "feat: first page", map[string]string{"a": "1"})
	repo.Git(t, "tag", "v1.4.0")
	search = repo.WriteCommit(t, "feat: search", map[string]string{"b": "1"})
	repo.WriteCommit(t, "fix: checkout rounding", map[string]string{"c": "1"})
	repo.Git(t, "tag", "v1.5.0")
	repo.Git(t, "push", "--quiet", "--tags", "origin", "main")
	return remote, search
}

func TestReleaseNotesWithGitHub(t *testing.T) {
	remote, search := notesRepo(t)
	s, gh, repo := newGitHub(t)
	s.AddPull(githubtest.Pull{Number: 12, Title: "feat: search box", Author: "ada", State: githubtest.Merged, MergeCommit: search})
	g := &Git{Dir: t.TempDir(), GitHub: gh}
	req := contract.NotesRequest{Product: "shop", RepoURL: remote, Version: "v1.5.0", GitHub: repo}

	t.Run("merged_pull_request_is_linked_with_its_author", func(t *testing.T) {
		n, err := runActivity(t, g.ReleaseNotes, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"- search box ([#12](https://github.example.com/acme/shop/pull/12)) by ada",
			"checkout rounding",
		} {
			if !strings.Contains(n.Markdown, want) {
				t.Errorf("notes lack %q:\n%s", want, n.Markdown)
			}
		}
	})

	t.Run("github_failure_falls_back_to_the_commits", func(t *testing.T) {
		s.Fail(githubtest.PullsWithCommit, 502)
		defer s.Fail(githubtest.PullsWithCommit, 0)
		before := s.Requests(githubtest.PullsWithCommit)
		n, err := runActivity(t, g.ReleaseNotes, req)
		if err != nil {
			t.Fatalf("ReleaseNotes with GitHub failing = %v, want the notes of the commits", err)
		}
		if s.Requests(githubtest.PullsWithCommit) == before {
			t.Error("GitHub was not asked")
		}
		if !strings.Contains(n.Markdown, "search") || strings.Contains(n.Markdown, "#12") {
			t.Errorf("notes should list the commits without pull requests:\n%s", n.Markdown)
		}
	})

	t.Run("without_github_repository_github_is_not_asked", func(t *testing.T) {
		before := s.Requests(githubtest.PullsWithCommit)
		noGitHub := req
		noGitHub.GitHub = contract.GitHubRepo{}
		if _, err := runActivity(t, g.ReleaseNotes, noGitHub); err != nil {
			t.Fatal(err)
		}
		if n := s.Requests(githubtest.PullsWithCommit) - before; n != 0 {
			t.Errorf("GitHub was asked %d times for a product not on GitHub", n)
		}
	})
}

func TestGitHubTokenStaysOutOfResults(t *testing.T) {
	remote, search := notesRepo(t)
	s, gh, repo := newGitHub(t)
	s.SetCheckRun(ghCommit, "build", "completed", "success")
	s.AddPull(githubtest.Pull{Number: 1, Title: "feat: search", Author: "ada", Base: "train-101"})
	s.AddPull(githubtest.Pull{Number: 12, Title: "feat: search box", Author: "ada", State: githubtest.Merged, MergeCommit: search})
	g := &Git{Dir: t.TempDir(), GitHub: gh}

	var results []any
	keep := func(res any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	keep(runActivity(t, gh.WaitForChecks, contract.ChecksRequest{GitHub: repo, Commit: ghCommit}))
	keep(runActivity(t, gh.OpenPulls, contract.OpenPullsRequest{GitHub: repo, Train: 101, MainBranch: "main"}))
	keep(runActivity(t, gh.PublishRelease, contract.PublishRequest{GitHub: repo, Tag: "v1.5.0", Body: "notes"}))
	keep(runActivity(t, g.ReleaseNotes, contract.NotesRequest{Product: "shop", RepoURL: remote, Version: "v1.5.0", GitHub: repo}))
	// The requests, which enter history, hold the variable's name only.
	results = append(results, repo)

	for _, r := range results {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), ghToken) {
			t.Errorf("the token is in %s", b)
		}
	}
	auths := s.Authorizations()
	if len(auths) == 0 {
		t.Fatal("no requests reached GitHub")
	}
	for i, a := range auths {
		if a != "Bearer "+ghToken {
			t.Errorf("request %d sent Authorization %q, want the token from %s", i, a, ghTokenEnv)
		}
	}
}

func TestGitHubWithoutToken(t *testing.T) {
	s, g, repo := newGitHub(t)
	s.AddPull(githubtest.Pull{Number: 1, Title: "feat: search", Author: "ada", Base: "train-101"})
	g.Getenv = func(string) string { return "" }
	req := contract.OpenPullsRequest{GitHub: repo, Train: 101, MainBranch: "main"}

	t.Run("public_repository_is_read_without_auth", func(t *testing.T) {
		s.SetPublic(true)
		defer s.SetPublic(false)
		prs, err := runActivity(t, g.OpenPulls, req)
		if err != nil || len(prs) != 1 {
			t.Fatalf("OpenPulls without a token = %+v, %v; want pull request 1", prs, err)
		}
		for _, a := range s.Authorizations() {
			if a != "" {
				t.Errorf("sent Authorization %q with no token set", a)
			}
		}
	})

	t.Run("private_repository_error_names_the_unset_variable", func(t *testing.T) {
		_, err := runActivity(t, g.OpenPulls, req)
		if err == nil || !strings.Contains(err.Error(), ghTokenEnv+" is not set on the worker") {
			t.Errorf("OpenPulls of a private repository without a token = %v, want an error naming %s", err, ghTokenEnv)
		}
	})
}

func TestGitHubRepoOf(t *testing.T) {
	tests := []struct {
		name string
		repo config.Repository
		want contract.GitHubRepo
	}{
		{
			name: "github_repository",
			repo: config.Repository{URL: "https://github.com/acme/shop.git", GitHub: "acme/shop", GitHubAPI: "https://github.example.com", GitHubTokenEnv: "GITHUB_TOKEN"},
			want: contract.GitHubRepo{Repo: "acme/shop", API: "https://github.example.com", TokenEnv: "GITHUB_TOKEN"},
		},
		{
			name: "not_on_github",
			repo: config.Repository{URL: "./shop", GitHubTokenEnv: "GITHUB_TOKEN"},
			want: contract.GitHubRepo{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contract.GitHubRepoOf(tt.repo); got != tt.want {
				t.Errorf("GitHubRepoOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
