package activities

import (
	"testing"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestDescribeCommits(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	root := repo.WriteCommit(t, "feat: shop", map[string]string{"a.go": "1\n"})
	repo.Author.Name = "Ana Lopez"
	fix := repo.WriteCommit(t, "fix: checkout rounding\n\nLonger story.", map[string]string{"a.go": "2\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	g := &Git{Dir: t.TempDir()}
	got, err := runActivity(t, g.DescribeCommits, contract.DescribeRequest{Product: "shop", RepoURL: remote, Commits: []string{fix[:8], root}})
	if err != nil {
		t.Fatal(err)
	}
	want := []contract.CommitInfo{{SHA: fix[:8], Author: "Ana Lopez", Subject: "fix: checkout rounding"}, {SHA: root, Author: "Gopher", Subject: "feat: shop"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("described %+v, want %+v", got, want)
	}
	if _, err := runActivity(t, g.DescribeCommits, contract.DescribeRequest{Product: "shop", RepoURL: remote, Commits: []string{"deadbeef"}}); appErrType(err) != contract.ErrBadInput {
		t.Fatalf("unknown commit: %v, want bad input", err)
	}
}
