package notes_test

import (
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/notes"
)

// TestBuildFromHistory builds the notes of a real repository's history
// and checks the exact Markdown.
func TestBuildFromHistory(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	ada := git.Identity{Name: "Ada Lovelace", Email: "ada@example.com"}
	grace := git.Identity{Name: "Grace Hopper", Email: "grace@example.com"}

	r.WriteCommit(t, "chore: initial import", map[string]string{"README": "shop\n"})
	r.Git(t, "tag", "v1.1.0")
	r.Author = ada
	login := r.WriteCommit(t, "feat: add login page (#12)", map[string]string{"login.go": "package shop\n"})
	r.Author = grace
	nilFix := r.WriteCommit(t, "fix(api): handle a nil token", map[string]string{"api.go": "package shop\n"})
	r.Author = ada
	deps := r.WriteCommit(t, "chore: bump dependencies", map[string]string{"go.mod": "module shop\n"})
	dropV1 := r.WriteCommit(t, "feat!: drop the v1 API", map[string]string{"v1.go": ""})
	r.Author = grace
	rename := r.WriteCommit(t, "refactor: rename config keys\n\nBREAKING CHANGE: keys are snake_case now.", map[string]string{"config.yaml": "a_b: 1\n"})
	crash := r.WriteCommit(t, "Stop crashing on an empty tag", map[string]string{"tag.go": "package shop\n"})

	r.Git(t, "checkout", "--quiet", "-b", "cache")
	r.Author = ada
	cacheCommit := r.WriteCommit(t, "perf: cache price lookups", map[string]string{"cache.go": "package shop\n"})
	r.Git(t, "checkout", "--quiet", "main")
	r.Git(t, "merge", "--quiet", "--no-ff", "cache", "-m", "Merge pull request #15 from ada/cache", "-m", "Speed up price lookups")
	merge := r.Git(t, "rev-parse", "HEAD")
	r.Git(t, "checkout", "--quiet", "-b", "docs", "main~1")
	r.WriteCommit(t, "docs: explain caching", map[string]string{"CACHE.md": "cache\n"})
	docs := r.Git(t, "rev-parse", "HEAD")
	r.Git(t, "checkout", "--quiet", "main")
	r.Git(t, "merge", "--quiet", "--no-ff", "docs", "-m", "Merge branch 'docs'")

	commits, err := r.Log(t.Context(), "v1.1.0", "main")
	if err != nil {
		t.Fatalf("Log: %v", err)
	}
	prs := []notes.PullRequest{
		{Number: 12, Title: "Add the login page", Author: "ada", URL: "https://github.com/acme/shop/pull/12", Labels: []string{"feature"}},
		{Number: 14, Title: "Stop crashing on an empty tag", Author: "grace", Labels: []string{"bug"}, MergeCommit: crash},
		{Number: 15, Title: "perf: speed up price lookups", Author: "ada", MergeCommit: merge},
	}

	n := notes.Build("shop", "v1.2.0", "v1.1.0", commits, prs, "https://github.com/acme/shop.git")

	const gh = "https://github.com/acme/shop"
	want := strings.Join([]string{
		"# shop v1.2.0",
		"",
		"Changes since v1.1.0 ([compare](" + gh + "/compare/v1.1.0...v1.2.0)).",
		"",
		"## Breaking changes",
		"",
		"- drop the v1 API ([" + dropV1[:7] + "](" + gh + "/commit/" + dropV1 + ")) by Ada Lovelace",
		"- rename config keys ([" + rename[:7] + "](" + gh + "/commit/" + rename + ")) by Grace Hopper",
		"",
		"## Features",
		"",
		"- Add the login page ([#12](" + gh + "/pull/12)) by ada",
		"",
		"## Fixes",
		"",
		"- api: handle a nil token ([" + nilFix[:7] + "](" + gh + "/commit/" + nilFix + ")) by Grace Hopper",
		"- Stop crashing on an empty tag ([#14](" + gh + "/pull/14)) by grace",
		"",
		"## Performance",
		"",
		"- cache price lookups ([" + cacheCommit[:7] + "](" + gh + "/commit/" + cacheCommit + ")) by Ada Lovelace",
		"- speed up price lookups ([#15](" + gh + "/pull/15)) by ada",
		"",
		"## Other changes",
		"",
		"- bump dependencies ([" + deps[:7] + "](" + gh + "/commit/" + deps + ")) by Ada Lovelace",
		"- explain caching ([" + docs[:7] + "](" + gh + "/commit/" + docs + ")) by Ada Lovelace",
		"",
		"## Contributors",
		"",
		"Ada Lovelace, Grace Hopper, ada, grace",
		"",
	}, "\n")
	if got := n.Markdown(); got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
	if n.Sections[1].Items[0].SHA != login {
		t.Errorf("login item SHA = %s, want %s", n.Sections[1].Items[0].SHA, login)
	}
}

func TestBuild(t *testing.T) {
	commit := func(sha, subject string) git.Commit {
		return git.Commit{SHA: sha, Author: "Ada", Subject: subject}
	}
	tests := []struct {
		name    string
		commits []git.Commit
		prs     []notes.PullRequest
		repoURL string
		want    string
	}{
		{
			name:    "no_commits_says_so",
			repoURL: "https://github.com/acme/shop",
			want:    "# shop v1.2.0\n\nChanges since v1.1.0 ([compare](https://github.com/acme/shop/compare/v1.1.0...v1.2.0)).\n\nNo changes.\n",
		},
		{
			name:    "non_github_url_links_nothing",
			commits: []git.Commit{commit("0123456789abcdef", "feat: a (#3)")},
			repoURL: "git@github.com:acme/shop.git",
			want:    "# shop v1.2.0\n\nChanges since v1.1.0.\n\n## Features\n\n- a (#3) by Ada\n\n## Contributors\n\nAda\n",
		},
		{
			name: "one_item_per_pull_request",
			commits: []git.Commit{
				commit("aaaaaaaaaa", "fix: b (#4)"),
				commit("bbbbbbbbbb", "fix: b again (#4)"),
			},
			want: "# shop v1.2.0\n\nChanges since v1.1.0.\n\n## Fixes\n\n- b (#4) by Ada\n\n## Contributors\n\nAda\n",
		},
		{
			name:    "bug_label_overrides_feat",
			commits: []git.Commit{commit("cccccccccc", "feat: c (#5)")},
			prs:     []notes.PullRequest{{Number: 5, Title: "c", Author: "bob", Labels: []string{"bug"}}},
			want:    "# shop v1.2.0\n\nChanges since v1.1.0.\n\n## Fixes\n\n- c (#5) by bob\n\n## Contributors\n\nbob\n",
		},
		{
			name:    "unknown_type_is_other",
			commits: []git.Commit{commit("dddddddddd", "Update README")},
			want:    "# shop v1.2.0\n\nChanges since v1.1.0.\n\n## Other changes\n\n- Update README (ddddddd) by Ada\n\n## Contributors\n\nAda\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notes.Build("shop", "v1.2.0", "v1.1.0", tt.commits, tt.prs, tt.repoURL).Markdown()
			if got != tt.want {
				t.Errorf("Markdown:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func FuzzBuild(f *testing.F) {
	for _, s := range []string{"feat(api)!: x (#1)", "Merge pull request #2 from a/b", "fix: (#0)", "BREAKING CHANGE: y", "(#99999999999999999999)"} {
		f.Add(s, "BREAKING CHANGE: y")
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		commits := []git.Commit{{SHA: "abc", Author: "Ada", Subject: subject, Body: body}}
		prs := []notes.PullRequest{{Number: 1, Title: subject, Labels: []string{"bug"}, MergeCommit: "abc"}}
		a := notes.Build("p", "v2", "v1", commits, prs, "https://github.com/o/r").Markdown()
		if b := notes.Build("p", "v2", "v1", commits, prs, "https://github.com/o/r").Markdown(); a != b {
			t.Errorf("Markdown differs between builds: %q vs %q", a, b)
		}
	})
}
