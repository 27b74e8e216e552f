package gittest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestWriteCommit(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Author = git.Identity{Name: "Ada", Email: "ada@example.com"}
	first := r.WriteCommit(t, "add service", map[string]string{"services/auth/main.go": "package main\n"})
	empty := r.WriteCommit(t, "empty", nil)

	tests := []struct {
		name, got, want string
	}{
		{name: "file_in_a_new_directory_is_committed", got: r.Git(t, "show", first+":services/auth/main.go"), want: "package main"},
		{name: "author_is_set", got: r.Git(t, "log", "-1", "--format=%an <%ae>", first), want: "Ada <ada@example.com>"},
		{name: "committer_is_the_repo_identity", got: r.Git(t, "log", "-1", "--format=%cn <%ce>", first), want: git.DefaultName + " <" + git.DefaultEmail + ">"},
		{name: "commit_without_files_is_empty", got: r.Git(t, "diff", "--name-only", first, empty), want: ""},
		{name: "branch_is_main", got: r.Git(t, "branch", "--show-current"), want: "main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestNewWithRemote(t *testing.T) {
	gittest.Isolate(t)
	r, url := gittest.NewWithRemote(t)
	sha := r.WriteCommit(t, "first", map[string]string{"README": "hi\n"})
	if err := r.Push(t.Context(), "origin", "refs/heads/main"); err != nil {
		t.Fatalf("Push: %v", err)
	}
	clone, err := git.Clone(t.Context(), url, filepath.Join(t.TempDir(), "clone"))
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if got, err := clone.RevParse(t.Context(), "HEAD"); err != nil || got != sha {
		t.Errorf("clone HEAD = %s, %v; want %s", got, err, sha)
	}
	if _, err := os.Stat(filepath.Join(clone.Dir, "README")); err != nil {
		t.Errorf("README not checked out: %v", err)
	}
}
