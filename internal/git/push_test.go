package git_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestPush(t *testing.T) {
	r, url := newRepoWithRemote(t)
	ctx := t.Context()
	first := r.WriteCommit(t, "first", nil)
	if err := r.CreateBranch(ctx, "train-1", "main"); err != nil {
		t.Fatal(err)
	}
	if err := r.Tag(ctx, "v1.1.0", first, "Release v1.1.0"); err != nil {
		t.Fatal(err)
	}
	refs := []string{"refs/heads/main", "refs/heads/train-1", "refs/tags/v1.1.0"}

	if err := r.Push(ctx, "origin", refs...); err != nil {
		t.Fatalf("first Push: %v", err)
	}
	if err := r.Push(ctx, "origin", refs...); err != nil {
		t.Fatalf("Push of identical refs again: %v", err)
	}
	if err := r.Push(ctx, url, "refs/tags/v1.1.0"); err != nil {
		t.Fatalf("Push to the remote's URL: %v", err)
	}

	got, found, err := r.RemoteTag(ctx, "origin", "v1.1.0")
	if err != nil || !found || got != first {
		t.Errorf("RemoteTag(v1.1.0) = %s, %v, %v; want the commit %s", got, found, err, first)
	}
	if _, found, err := r.RemoteTag(ctx, "origin", "v1.1"); err != nil || found {
		t.Errorf("RemoteTag(v1.1) found = %v, %v; want no tag for a prefix", found, err)
	}
	if got, found, err := r.RemoteBranch(ctx, "origin", "train-1"); err != nil || !found || got != first {
		t.Errorf("RemoteBranch(train-1) = %s, %v, %v; want %s", got, found, err, first)
	}
	if _, found, err := r.RemoteBranch(ctx, "origin", "train-2"); err != nil || found {
		t.Errorf("RemoteBranch(train-2) found = %v, %v; want not found", found, err)
	}
}

func TestPushRefusals(t *testing.T) {
	r, url := newRepoWithRemote(t)
	ctx := t.Context()
	base := r.WriteCommit(t, "base", nil)
	r.Git(t, "push", "--quiet", "origin", "main")

	// Another working copy of the same remote moves things first.
	other, err := git.Clone(ctx, url, newDir(t))
	if err != nil {
		t.Fatal(err)
	}
	o := &gittest.Repo{Repo: other}
	theirs := o.WriteCommit(t, "theirs", nil)
	o.Git(t, "tag", "--annotate", "--message", "theirs", "v1.1.0", theirs)
	o.Git(t, "tag", "--annotate", "--message", "same commit, other tag object", "v1.0.0", base)
	o.Git(t, "push", "--quiet", "origin", "main", "v1.1.0", "v1.0.0")

	ours := r.WriteCommit(t, "ours", nil)

	tests := []struct {
		name    string
		setup   func(t *testing.T)
		refs    []string
		check   func(t *testing.T, err error)
		wantErr string
	}{
		{
			name:  "remote_tag_elsewhere_is_a_mismatch",
			setup: func(t *testing.T) { r.Git(t, "tag", "--annotate", "--message", "ours", "v1.1.0", ours) },
			refs:  []string{"refs/tags/v1.1.0"},
			check: func(t *testing.T, err error) {
				var mismatch *git.TagMismatchError
				if !errors.As(err, &mismatch) {
					t.Fatalf("error = %v, want *TagMismatchError", err)
				}
				want := git.TagMismatchError{Tag: "v1.1.0", Remote: "origin", Want: ours, Got: theirs}
				if *mismatch != want {
					t.Errorf("error = %+v, want %+v", *mismatch, want)
				}
			},
			wantErr: "tag v1.1.0 on origin points at " + theirs[:12],
		},
		{
			name:  "remote_tag_at_the_same_commit_is_fine",
			setup: func(t *testing.T) { r.Git(t, "tag", "--annotate", "--message", "ours", "v1.0.0", base) },
			refs:  []string{"refs/tags/v1.0.0"},
		},
		{
			name: "diverged_branch_is_rejected",
			refs: []string{"refs/heads/main"},
			check: func(t *testing.T, err error) {
				var rej *git.RejectedError
				if !errors.As(err, &rej) || rej.Ref != "refs/heads/main" || rej.Remote != "origin" {
					t.Fatalf("error = %v, want *RejectedError for refs/heads/main on origin", err)
				}
			},
			wantErr: "push refs/heads/main to origin: [rejected]",
		},
		{
			name:    "short_ref_name_is_refused",
			refs:    []string{"main"},
			wantErr: "want a full ref name",
		},
		{
			name:    "force_refspec_is_refused",
			refs:    []string{"+refs/heads/main"},
			wantErr: "want a full ref name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			err := r.Push(ctx, "origin", tt.refs...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Push: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Push error = %v, want it to contain %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}

	if got, _, err := r.RemoteTag(ctx, "origin", "v1.1.0"); err != nil || got != theirs {
		t.Errorf("remote v1.1.0 = %s, %v; want it untouched at %s", got, err, theirs)
	}
}

func TestPushReportsEveryRefusal(t *testing.T) {
	r, url := newRepoWithRemote(t)
	ctx := t.Context()
	r.WriteCommit(t, "base", nil)
	r.Git(t, "push", "--quiet", "origin", "main")
	other, err := git.Clone(ctx, url, newDir(t))
	if err != nil {
		t.Fatal(err)
	}
	o := &gittest.Repo{Repo: other}
	o.WriteCommit(t, "theirs", nil)
	o.Git(t, "tag", "v1.1.0")
	o.Git(t, "push", "--quiet", "origin", "main", "v1.1.0")

	ours := r.WriteCommit(t, "ours", nil)
	if err := r.Tag(ctx, "v1.1.0", ours, "ours"); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateBranch(ctx, "train-1", ours); err != nil {
		t.Fatal(err)
	}
	err = r.Push(ctx, "origin", "refs/heads/main", "refs/tags/v1.1.0", "refs/heads/train-1")
	var rej *git.RejectedError
	var mismatch *git.TagMismatchError
	if !errors.As(err, &rej) || !errors.As(err, &mismatch) {
		t.Fatalf("error = %v, want both a rejected branch and a tag mismatch", err)
	}
	if _, found, err := r.RemoteBranch(ctx, "origin", "train-1"); err != nil || !found {
		t.Errorf("train-1 on origin: found = %v, %v; want it pushed despite the other refusals", found, err)
	}
}
