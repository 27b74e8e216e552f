package git_test

import (
	"path/filepath"
	"testing"

	"github.com/signalman/signalman/internal/git/gittest"
)

// newRepo isolates the test from the machine's git configuration and
// returns an empty repository.
func newRepo(t *testing.T) *gittest.Repo {
	t.Helper()
	gittest.Isolate(t)
	return gittest.New(t)
}

// newRepoWithRemote is newRepo with a bare remote "origin".
func newRepoWithRemote(t *testing.T) (*gittest.Repo, string) {
	t.Helper()
	gittest.Isolate(t)
	return gittest.NewWithRemote(t)
}

// newDir returns a path in a temporary directory where nothing exists yet.
func newDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "work")
}
