package git_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestCherryPick(t *testing.T) {
	r := newRepo(t)
	ctx := t.Context()
	r.Identity = git.Identity{Name: "Release Bot", Email: "release@example.com"}
	r.WriteCommit(t, "base", map[string]string{"app.go": "package app\n", "config.yaml": "a: 1\n"})
	r.Git(t, "branch", "train-1")
	r.Author = git.Identity{Name: "Fixer", Email: "fixer@example.com"}
	fix := r.WriteCommit(t, "fix: nil check", map[string]string{"fix.go": "package app // fixed\n"})
	clash := r.WriteCommit(t, "change config on main", map[string]string{"config.yaml": "a: 2\n", "app.go": "package app // main\n"})
	r.Git(t, "checkout", "--quiet", "train-1")
	r.Author = git.Identity{}
	r.WriteCommit(t, "change config on the train", map[string]string{"config.yaml": "a: 3\n", "app.go": "package app // train\n"})

	t.Run("pick_records_its_origin_and_keeps_the_author", func(t *testing.T) {
		picked, err := r.CherryPick(ctx, fix)
		if err != nil {
			t.Fatalf("CherryPick: %v", err)
		}
		if head, _ := r.RevParse(ctx, "train-1"); head != picked {
			t.Errorf("train-1 = %s, want the new commit %s", head, picked)
		}
		log, err := r.Log(ctx, "train-1~1", "train-1")
		if err != nil || len(log) != 1 {
			t.Fatalf("Log = %v, %v; want the picked commit", log, err)
		}
		c := log[0]
		if c.CherryPickedFrom() != fix {
			t.Errorf("CherryPickedFrom = %q, want %s; body %q", c.CherryPickedFrom(), fix, c.Body)
		}
		if c.Subject != "fix: nil check" || c.Author != "Fixer" || c.Email != "fixer@example.com" {
			t.Errorf("picked commit = %+v, want the original subject and author", c)
		}
		if got := r.Git(t, "log", "-1", "--format=%cn <%ce>"); got != "Release Bot <release@example.com>" {
			t.Errorf("committer = %q, want the Repo's identity", got)
		}
	})

	t.Run("conflict_aborts_and_names_the_files", func(t *testing.T) {
		before := r.Git(t, "rev-parse", "HEAD")
		_, err := r.CherryPick(ctx, clash)
		var conflict *git.ConflictError
		if !errors.As(err, &conflict) {
			t.Fatalf("CherryPick error = %v, want *ConflictError", err)
		}
		if conflict.Commit != clash || conflict.Onto != "train-1" || strings.Join(conflict.Files, ",") != "app.go,config.yaml" {
			t.Errorf("ConflictError = %+v, want commit %s onto train-1 in app.go and config.yaml", conflict, clash)
		}
		for _, want := range []string{clash[:12], "train-1", "app.go, config.yaml"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not name %q", err, want)
			}
		}
		assertUntouched(t, r, before)
	})

	t.Run("change_already_present_is_already_applied", func(t *testing.T) {
		before := r.Git(t, "rev-parse", "HEAD")
		_, err := r.CherryPick(ctx, fix)
		if !errors.Is(err, git.ErrAlreadyApplied) {
			t.Fatalf("CherryPick error = %v, want ErrAlreadyApplied", err)
		}
		assertUntouched(t, r, before)
	})

	t.Run("dirty_tree_fails_and_keeps_the_changes", func(t *testing.T) {
		before := r.Git(t, "rev-parse", "HEAD")
		path := filepath.Join(r.Dir, "app.go")
		if err := os.WriteFile(path, []byte("package app // local edit\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := r.CherryPick(ctx, clash)
		var conflict *git.ConflictError
		if err == nil || errors.As(err, &conflict) || !strings.Contains(err.Error(), "git cherry-pick") {
			t.Fatalf("CherryPick error = %v, want git's refusal", err)
		}
		if head := r.Git(t, "rev-parse", "HEAD"); head != before {
			t.Errorf("HEAD = %s, want it left at %s", head, before)
		}
		if b, _ := os.ReadFile(path); string(b) != "package app // local edit\n" {
			t.Errorf("app.go = %q, want the local edit kept", b)
		}
		r.Git(t, "checkout", "--", "app.go")
	})

	t.Run("missing_commit_is_not_found", func(t *testing.T) {
		if _, err := r.CherryPick(ctx, "0123456789abcdef0123456789abcdef01234567"); !errors.Is(err, git.ErrNotFound) {
			t.Fatalf("CherryPick error = %v, want ErrNotFound", err)
		}
	})
}

// assertUntouched checks that a failed pick left the branch at before,
// the working tree clean and no cherry-pick in progress.
func assertUntouched(t *testing.T, r *gittest.Repo, before string) {
	t.Helper()
	if head := r.Git(t, "rev-parse", "HEAD"); head != before {
		t.Errorf("HEAD = %s, want it left at %s", head, before)
	}
	if status := r.Git(t, "status", "--porcelain"); status != "" {
		t.Errorf("working tree not clean:\n%s", status)
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir, "config.yaml")); err != nil || string(b) != "a: 3\n" {
		t.Errorf("config.yaml = %q, %v; want the branch's content", b, err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, ".git", "CHERRY_PICK_HEAD")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cherry-pick is still in progress (%v)", err)
	}
}
