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

func TestClone(t *testing.T) {
	src, url := newRepoWithRemote(t)
	first := src.WriteCommit(t, "first", map[string]string{"README": "hello\n"})
	src.Git(t, "tag", "--annotate", "--message", "release", "v1.1.0")
	src.Git(t, "checkout", "--quiet", "-b", "train-1")
	train := src.WriteCommit(t, "on the train", map[string]string{"fix.txt": "fix\n"})
	// A tag on a commit no branch reaches: a plain clone leaves it behind.
	src.Git(t, "checkout", "--quiet", "--detach")
	lost := src.WriteCommit(t, "abandoned", nil)
	src.Git(t, "tag", "v0.0.1-lost")
	src.Git(t, "checkout", "--quiet", "main")
	src.Git(t, "push", "--quiet", "origin", "main", "train-1", "v1.1.0", "v0.0.1-lost")

	r, err := git.Clone(t.Context(), url, newDir(t))
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	ctx := t.Context()
	for _, tt := range []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"tag_on_main", func() (string, error) { return r.TagCommit(ctx, "v1.1.0") }, first},
		{"tag_off_every_branch", func() (string, error) { return r.TagCommit(ctx, "v0.0.1-lost") }, lost},
		{"other_branch_as_remote_branch", func() (string, error) { return r.RevParse(ctx, "origin/train-1") }, train},
		{"default_branch_checked_out", func() (string, error) { return r.CurrentBranch(ctx) }, "main"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir, "README")); err != nil || string(b) != "hello\n" {
		t.Errorf("README in the clone = %q, %v; want the committed content", b, err)
	}
}

func TestCloneOfEmptyRemote(t *testing.T) {
	_, url := newRepoWithRemote(t)
	r, err := git.Clone(t.Context(), url, newDir(t))
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}
	if _, err := r.RevParse(t.Context(), "HEAD"); !errors.Is(err, git.ErrNotFound) {
		t.Errorf("RevParse(HEAD) error = %v, want ErrNotFound", err)
	}
}

func TestCloneErrors(t *testing.T) {
	src, url := newRepoWithRemote(t)
	src.WriteCommit(t, "first", nil)
	src.Git(t, "push", "--quiet", "origin", "main")
	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, url, dir string
		want           []string // substrings of the error
		notWant        string
	}{
		{
			name: "non_empty_dir_names_git_clone_and_stderr",
			url:  url, dir: busy,
			want: []string{"git clone", "already exists and is not an empty directory"},
		},
		{
			name: "credentials_in_url_are_not_repeated",
			url:  "https://x-token:s3cret-token@127.0.0.1:1/shop.git", dir: newDir(t),
			want:    []string{"clone https://127.0.0.1:1/shop.git"},
			notWant: "s3cret-token",
		},
		{
			name: "option_as_url_is_refused",
			url:  "--upload-pack=touch /tmp/pwned", dir: newDir(t),
			want: []string{"invalid URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := git.Clone(t.Context(), tt.url, tt.dir)
			if err == nil {
				t.Fatal("Clone succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want it to contain %q", err, w)
				}
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error = %q, must not contain %q", err, tt.notWant)
			}
		})
	}
}

func TestCheckoutClean(t *testing.T) {
	src, url := newRepoWithRemote(t)
	tagged := src.WriteCommit(t, "release", map[string]string{"app.txt": "v1\n"})
	src.Git(t, "tag", "--annotate", "--message", "v1.1.0", "v1.1.0")
	src.WriteCommit(t, "later", map[string]string{"app.txt": "v2\n", "new.txt": "new\n"})
	src.Git(t, "push", "--quiet", "origin", "main", "v1.1.0")

	r, err := git.CheckoutClean(t.Context(), url, "v1.1.0", newDir(t))
	if err != nil {
		t.Fatalf("CheckoutClean: %v", err)
	}
	if head, err := r.RevParse(t.Context(), "HEAD"); err != nil || head != tagged {
		t.Errorf("HEAD = %s, %v; want the tagged commit %s", head, err, tagged)
	}
	if branch, err := r.CurrentBranch(t.Context()); err != nil || branch != "" {
		t.Errorf("CurrentBranch = %q, %v; want detached", branch, err)
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir, "app.txt")); err != nil || string(b) != "v1\n" {
		t.Errorf("app.txt = %q, %v; want the tagged content", b, err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "new.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("new.txt from a later commit exists (%v)", err)
	}

	_, err = git.CheckoutClean(t.Context(), url, "v9.9.9", newDir(t))
	if !errors.Is(err, git.ErrNotFound) {
		t.Errorf("CheckoutClean of a missing tag: error = %v, want ErrNotFound", err)
	}
}

func TestFetch(t *testing.T) {
	src, url := newRepoWithRemote(t)
	first := src.WriteCommit(t, "first", nil)
	src.Git(t, "tag", "--annotate", "--message", "v1", "v1.1.0")
	src.Git(t, "push", "--quiet", "origin", "main", "v1.1.0")
	r, err := git.Clone(t.Context(), url, newDir(t))
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}

	t.Run("new_tags_and_branches_arrive", func(t *testing.T) {
		second := src.WriteCommit(t, "second", nil)
		src.Git(t, "tag", "v1.2.0")
		src.Git(t, "push", "--quiet", "origin", "main", "v1.2.0")
		if err := r.Fetch(t.Context(), "origin"); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if got, err := r.TagCommit(t.Context(), "v1.2.0"); err != nil || got != second {
			t.Errorf("TagCommit(v1.2.0) = %s, %v; want %s", got, err, second)
		}
	})

	t.Run("tag_made_again_at_the_same_commit_is_accepted", func(t *testing.T) {
		src.Git(t, "tag", "--force", "--annotate", "--message", "again", "v1.2.0", "v1.2.0")
		src.Git(t, "push", "--quiet", "--force", "origin", "v1.2.0")
		if err := r.Fetch(t.Context(), "origin"); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if typ := (&gittest.Repo{Repo: r}).Git(t, "cat-file", "-t", "refs/tags/v1.2.0"); typ != "commit" {
			t.Errorf("local v1.2.0 is now a %s, want the local tag kept", typ)
		}
	})

	t.Run("tag_moved_on_the_remote_is_reported", func(t *testing.T) {
		moved := src.WriteCommit(t, "third", nil)
		src.Git(t, "tag", "--force", "--annotate", "--message", "moved", "v1.1.0")
		src.Git(t, "push", "--quiet", "--force", "origin", "main", "v1.1.0")

		err := r.Fetch(t.Context(), "origin")
		var mismatch *git.TagMismatchError
		if !errors.As(err, &mismatch) {
			t.Fatalf("Fetch error = %v, want *TagMismatchError", err)
		}
		want := git.TagMismatchError{Tag: "v1.1.0", Remote: "origin", Want: first, Got: moved}
		if *mismatch != want {
			t.Errorf("error = %+v, want %+v", *mismatch, want)
		}
		if got, err := r.TagCommit(t.Context(), "v1.1.0"); err != nil || got != first {
			t.Errorf("local tag after Fetch = %s, %v; want it left at %s", got, err, first)
		}
	})
}
