// Package gittest makes real git repositories for tests: a working
// repository with commits, and a bare remote to push to and clone from.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/git"
)

// The author of the commits of a Repo with no Author.
const (
	authorName  = "Gopher"
	authorEmail = "gopher@example.com"
)

// Repo is a working repository in a test's temporary directory, on branch
// main. It embeds the git.Repo under test.
type Repo struct {
	*git.Repo
	// Author writes the commits of WriteCommit (default Gopher
	// <gopher@example.com>); the committer is the git.Repo's Identity.
	Author git.Identity
}

// New returns an empty repository on branch main (no commits yet).
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, git.Identity{}, "init", "--quiet", "--initial-branch=main")
	return &Repo{Repo: &git.Repo{Dir: dir}}
}

// NewWithRemote returns an empty repository on branch main whose remote
// "origin" is an empty bare repository, and the remote's URL (a path).
func NewWithRemote(t testing.TB) (*Repo, string) {
	t.Helper()
	remote := NewBare(t)
	r := New(t)
	r.Git(t, "remote", "add", "origin", remote)
	return r, remote
}

// NewBare returns the path of an empty bare repository whose HEAD is main.
func NewBare(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "remote.git")
	run(t, "", git.Identity{}, "init", "--quiet", "--bare", "--initial-branch=main", dir)
	return dir
}

// WriteCommit writes files (path relative to the repository, slash
// separated, to content), commits them and everything else changed in the
// working tree on the current branch, and returns the new commit's hash.
// With no files, the commit is empty.
func (r *Repo) WriteCommit(t testing.TB, message string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(r.Dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	r.Git(t, "add", "--all")
	author := r.Author
	if author.Name == "" {
		author.Name = authorName
	}
	if author.Email == "" {
		author.Email = authorEmail
	}
	r.Git(t, "commit", "--quiet", "--allow-empty", "--no-verify",
		"--author", author.Name+" <"+author.Email+">", "--message", message)
	return r.Git(t, "rev-parse", "HEAD")
}

// Git runs git with args in the repository, as its committer, fails the
// test if git fails, and returns git's output, trimmed.
func (r *Repo) Git(t testing.TB, args ...string) string {
	t.Helper()
	return run(t, r.Dir, r.Identity, args...)
}

// Isolate gives the test a machine without git configuration: a fresh
// HOME and no system or global config. It uses t.Setenv, so the test must
// not be parallel.
func Isolate(t testing.TB) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "gitconfig"))
}

// run runs git in dir for a test helper. It ignores the machine's git
// configuration so a helper works the same everywhere.
func run(t testing.TB, dir string, id git.Identity, args ...string) string {
	t.Helper()
	if id.Name == "" {
		id.Name = git.DefaultName
	}
	if id.Email == "" {
		id.Email = git.DefaultEmail
	}
	full := append([]string{
		"-c", "user.name=" + id.Name,
		"-c", "user.email=" + id.Email,
		"-c", "commit.gpgSign=false",
		"-c", "tag.gpgSign=false",
	}, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = append(environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String())
}

// environ is the process environment without the variables that would
// point git at another repository or change who commits.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
