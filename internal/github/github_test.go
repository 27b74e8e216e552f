package github_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/github"
	"github.com/signalman/signalman/internal/github/githubtest"
	"github.com/signalman/signalman/internal/notes"
)

const sha = "5f1c0c8e2b8f4a7d9e6b3c2a1f0e9d8c7b6a5f4e"

// newFake starts a fake GitHub holding acme/shop and returns it with a
// Client talking to it as to a GitHub Enterprise server.
func newFake(t *testing.T) (*githubtest.Server, *github.Client) {
	t.Helper()
	f := githubtest.New(t, "acme", "shop")
	c, err := github.New(f.URL(), githubtest.Token)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f, c
}

func TestChecksState(t *testing.T) {
	f, c := newFake(t)
	// Each step changes the fake's state, then checks the combined state:
	// the steps run in order against the same commit.
	steps := []struct {
		name   string
		change func()
		want   github.State
	}{
		{
			name:   "no_checks_yet_is_pending",
			change: func() {},
			want:   github.State{Result: github.Pending},
		},
		{
			name: "running_checks_are_pending_and_named",
			change: func() {
				f.SetCheckRun(sha, "build", "in_progress", "")
				f.SetCheckRun(sha, "unit tests", "queued", "")
				f.SetStatus(sha, "ci/lint", "pending")
			},
			want: github.State{Result: github.Pending, Pending: []string{"build", "ci/lint", "unit tests"}},
		},
		{
			name: "some_finished_the_rest_still_pending",
			change: func() {
				f.SetCheckRun(sha, "build", "completed", "success")
				f.SetStatus(sha, "ci/lint", "success")
			},
			want: github.State{Result: github.Pending, Pending: []string{"unit tests"}},
		},
		{
			name: "all_passed_or_skipped_is_success",
			change: func() {
				f.SetCheckRun(sha, "unit tests", "completed", "skipped")
			},
			want: github.State{Result: github.Success},
		},
		{
			name: "failing_status_is_named",
			change: func() {
				f.SetStatus(sha, "ci/integration", "failure")
			},
			want: github.State{Result: github.Failure, Failing: []string{"ci/integration"}},
		},
		{
			name: "failure_wins_over_pending",
			change: func() {
				f.SetCheckRun(sha, "e2e", "in_progress", "")
				f.SetCheckRun(sha, "build", "completed", "timed_out")
			},
			want: github.State{Result: github.Failure, Failing: []string{"build", "ci/integration"}, Pending: []string{"e2e"}},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			got, err := c.ChecksState(t.Context(), "acme", "shop", sha)
			if err != nil {
				t.Fatalf("ChecksState: %v", err)
			}
			if !reflect.DeepEqual(got, st.want) {
				t.Errorf("ChecksState = %+v, want %+v", got, st.want)
			}
		})
	}
}

func TestChecksStatePaginates(t *testing.T) {
	f, c := newFake(t)
	f.SetMaxPerPage(2)
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		f.SetCheckRun(sha, name, "completed", "success")
	}
	f.SetStatus(sha, "s1", "success")
	f.SetStatus(sha, "s2", "success")
	f.SetStatus(sha, "s3", "error")
	got, err := c.ChecksState(t.Context(), "acme", "shop", sha)
	if err != nil {
		t.Fatalf("ChecksState: %v", err)
	}
	want := github.State{Result: github.Failure, Failing: []string{"s3"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ChecksState = %+v, want %+v", got, want)
	}
	if n := f.Requests(githubtest.CheckRuns); n != 3 {
		t.Errorf("check-run pages fetched = %d, want 3", n)
	}
}

func TestChecksStateUnknownRepo(t *testing.T) {
	_, c := newFake(t)
	_, err := c.ChecksState(t.Context(), "acme", "other", sha)
	if err == nil || !strings.Contains(err.Error(), "acme/other") {
		t.Errorf("ChecksState error = %v, want one naming acme/other", err)
	}
}

func TestCreateRelease(t *testing.T) {
	const post = githubtest.CreateRelease
	t.Run("created_once_across_two_calls", func(t *testing.T) {
		f, c := newFake(t)
		first, err := c.CreateRelease(t.Context(), "acme", "shop", "v1.101.0", "shop v1.101.0", "notes")
		if err != nil {
			t.Fatalf("first CreateRelease: %v", err)
		}
		second, err := c.CreateRelease(t.Context(), "acme", "shop", "v1.101.0", "shop v1.101.0", "notes")
		if err != nil {
			t.Fatalf("second CreateRelease: %v", err)
		}
		want := "https://github.example.com/acme/shop/releases/tag/v1.101.0"
		if first != want || second != want {
			t.Errorf("URLs = %q, %q; want %q twice", first, second, want)
		}
		if f.ReleaseCount() != 1 || f.Requests(post) != 1 {
			t.Errorf("releases = %d after %d POSTs, want 1 after 1", f.ReleaseCount(), f.Requests(post))
		}
	})
	t.Run("existing_release_is_returned_untouched", func(t *testing.T) {
		f, c := newFake(t)
		f.AddRelease("v1.100.0", "by hand")
		got, err := c.CreateRelease(t.Context(), "acme", "shop", "v1.100.0", "shop v1.100.0", "generated")
		if err != nil {
			t.Fatalf("CreateRelease: %v", err)
		}
		if want := "https://github.example.com/acme/shop/releases/tag/v1.100.0"; got != want {
			t.Errorf("URL = %q, want %q", got, want)
		}
		if f.Requests(post) != 0 || f.ReleaseBody("v1.100.0") != "by hand" {
			t.Errorf("POSTs = %d, body = %q; want the release left alone", f.Requests(post), f.ReleaseBody("v1.100.0"))
		}
	})
	t.Run("release_created_by_someone_else_meanwhile_is_returned", func(t *testing.T) {
		f, c := newFake(t)
		// The first lookup misses it, as if it happened just before the
		// other writer's create; our create then gets GitHub's 422.
		f.AddRelease("v1.102.0", "theirs")
		f.MissNextLookup("v1.102.0")
		got, err := c.CreateRelease(t.Context(), "acme", "shop", "v1.102.0", "shop v1.102.0", "ours")
		if err != nil {
			t.Fatalf("CreateRelease: %v", err)
		}
		if want := "https://github.example.com/acme/shop/releases/tag/v1.102.0"; got != want {
			t.Errorf("URL = %q, want %q", got, want)
		}
		if f.Requests(post) != 1 || f.ReleaseCount() != 1 || f.ReleaseBody("v1.102.0") != "theirs" {
			t.Errorf("POSTs = %d, releases = %d, body = %q; want 1 refused POST and theirs kept",
				f.Requests(post), f.ReleaseCount(), f.ReleaseBody("v1.102.0"))
		}
	})
}

func TestOpenPullRequests(t *testing.T) {
	f, c := newFake(t)
	f.SetMaxPerPage(2)
	for _, p := range []githubtest.Pull{
		{Number: 1, Title: "feat: search", Author: "ada", Base: "train-101"},
		{Number: 2, Title: "fix: typo", Author: "bob", Base: "main", Labels: []string{"train-101"}},
		{Number: 3, Title: "chore: deps", Author: "eve", Base: "main"},
		{Number: 4, Title: "feat: carts", Author: "ada", Base: "train-101", State: githubtest.Closed},
		// An open pull request's merge commit is GitHub's test merge,
		// which the client must not report.
		{Number: 5, Title: "fix: prices", Author: "grace", Base: "train-101", Labels: []string{"bug"}, MergeCommit: "t5"},
		{Number: 6, Title: "docs: readme", Author: "bob", Base: "train-100"},
		{Number: 7, Title: "perf: cache", Author: "ada", Base: "train-101"},
	} {
		f.AddPull(p)
	}
	const list = githubtest.ListPulls

	tests := []struct {
		name, label string
		want        []int
		pages       int
	}{
		{name: "targeting_base", want: []int{1, 5, 7}, pages: 2},
		{name: "targeting_base_or_labelled", label: "train-101", want: []int{1, 2, 5, 7}, pages: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.Requests(list)
			prs, err := c.OpenPullRequests(t.Context(), "acme", "shop", "train-101", tt.label)
			if err != nil {
				t.Fatalf("OpenPullRequests: %v", err)
			}
			var got []int
			for _, pr := range prs {
				got = append(got, pr.Number)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("numbers = %v, want %v", got, tt.want)
			}
			if n := f.Requests(list) - before; n != tt.pages {
				t.Errorf("pages fetched = %d, want %d", n, tt.pages)
			}
		})
	}

	prs, err := c.OpenPullRequests(t.Context(), "acme", "shop", "train-101", "")
	if err != nil {
		t.Fatalf("OpenPullRequests: %v", err)
	}
	want := notes.PullRequest{Number: 5, Title: "fix: prices", Author: "grace", URL: "https://github.example.com/acme/shop/pull/5", Labels: []string{"bug"}}
	if !reflect.DeepEqual(prs[1], want) {
		t.Errorf("pull request = %+v, want %+v", prs[1], want)
	}
}

func TestMergedPullRequests(t *testing.T) {
	f, c := newFake(t)
	for _, p := range []githubtest.Pull{
		{Number: 10, Title: "feat: login", Author: "ada", Labels: []string{"feature"}, State: githubtest.Merged, MergeCommit: "m10", Commits: []string{"a1", "a2"}},
		{Number: 11, Title: "fix: crash", Author: "bob", State: githubtest.Merged, MergeCommit: "m11", Commits: []string{"b1"}},
		{Number: 12, Title: "wip: never merged", Author: "eve", State: githubtest.Closed, Commits: []string{"a1"}},
		{Number: 13, Title: "feat: open", Author: "eve", MergeCommit: "t13", Commits: []string{"c1"}},
	} {
		f.AddPull(p)
	}

	got, err := c.MergedPullRequests(t.Context(), "acme", "shop", []string{"m11", "a1", "a2", "c1", "unknown"})
	if err != nil {
		t.Fatalf("MergedPullRequests: %v", err)
	}
	want := []notes.PullRequest{
		{Number: 10, Title: "feat: login", Author: "ada", URL: "https://github.example.com/acme/shop/pull/10", Labels: []string{"feature"}, MergeCommit: "m10"},
		{Number: 11, Title: "fix: crash", Author: "bob", URL: "https://github.example.com/acme/shop/pull/11", MergeCommit: "m11"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergedPullRequests = %+v, want %+v", got, want)
	}
}

func TestNew(t *testing.T) {
	if _, err := github.New("", ""); err != nil {
		t.Errorf(`New("", "") = %v, want api.github.com`, err)
	}
	if _, err := github.New("github.example.com", "t"); err == nil {
		t.Error("New with a URL without scheme succeeded, want an error")
	}
}

func TestParseRepo(t *testing.T) {
	tests := []struct {
		in, owner, name string
		ok              bool
	}{
		{in: "acme/shop", owner: "acme", name: "shop", ok: true},
		{in: "my-org/my.repo_2", owner: "my-org", name: "my.repo_2", ok: true},
		{in: "acme"},
		{in: "/shop"},
		{in: "acme/"},
		{in: "acme/shop/extra"},
		{in: "acme/.."},
		{in: "ac me/shop"},
		{in: "https://github.com/acme/shop"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			owner, name, err := github.ParseRepo(tt.in)
			if tt.ok != (err == nil) || owner != tt.owner || name != tt.name {
				t.Errorf("ParseRepo(%q) = %q, %q, %v", tt.in, owner, name, err)
			}
			if err != nil && !errors.Is(err, github.ErrBadRepo) {
				t.Errorf("error %v is not ErrBadRepo", err)
			}
		})
	}
}

func FuzzParseRepo(f *testing.F) {
	for _, s := range []string{"acme/shop", "a/b/c", "", "/", "x/..", "\u00e9/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		owner, name, err := github.ParseRepo(s)
		if err != nil {
			return
		}
		if owner+"/"+name != s || strings.Contains(name, "/") || owner == "" || name == "" {
			t.Errorf("ParseRepo(%q) = %q, %q", s, owner, name)
		}
	})
}
