package activities

import (
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestReleaseNotes_cover_the_commits_since_the_previous_release(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	repo.WriteCommit(t, "feat: first page", map[string]string{"a": "1"})
	repo.Git(t, "tag", "v1.4.0")
	repo.WriteCommit(t, "feat: search (#12)", map[string]string{"b": "1"})
	repo.WriteCommit(t, "fix: checkout rounding", map[string]string{"c": "1"})
	repo.Git(t, "tag", "v1.5.0")
	repo.Git(t, "push", "--quiet", "--tags", "origin", "main")
	n, err := runActivity(t, (&Git{Dir: t.TempDir()}).ReleaseNotes, contract.NotesRequest{Product: "shop", RepoURL: remote, Version: "v1.5.0"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Previous != "v1.4.0" {
		t.Errorf("previous = %q, want v1.4.0", n.Previous)
	}
	for _, want := range []string{"search", "checkout rounding"} {
		if !strings.Contains(n.Markdown, want) {
			t.Errorf("notes lack %q:\n%s", want, n.Markdown)
		}
	}
	if strings.Contains(n.Markdown, "first page") {
		t.Errorf("notes include a change of the previous release:\n%s", n.Markdown)
	}
}
