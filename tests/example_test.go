package tests

import (
	"testing"

	"github.com/signalman/signalman/examples"
	"github.com/signalman/signalman/internal/git/gittest"
)

// exampleRepo makes a real git repository holding the example product
// (examples/shop) plus extra files, pushes it to a bare remote and returns
// the repository, the remote's URL and the commit.
func exampleRepo(t *testing.T, extra map[string]string) (*gittest.Repo, string, string) {
	t.Helper()
	repo, remote := gittest.NewWithRemote(t)
	files := exampleFiles(t)
	for k, v := range extra {
		files[k] = v
	}
	sha := repo.WriteCommit(t, "feat: the shop", files)
	repo.Git(t, "push", "--quiet", "origin", "main")
	return repo, remote, sha
}

// exampleFiles returns the example product's files.
func exampleFiles(t testing.TB) map[string]string {
	t.Helper()
	files, err := examples.Shop()
	if err != nil {
		t.Fatal(err)
	}
	return files
}
