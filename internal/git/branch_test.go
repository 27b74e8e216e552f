package git_test

import (
	"errors"
	"testing"

	"github.com/signalman/signalman/internal/git"
)

func TestCreateBranch(t *testing.T) {
	r := newRepo(t)
	first := r.WriteCommit(t, "first", nil)
	second := r.WriteCommit(t, "second", nil)
	r.Git(t, "branch", "train-1", first)

	tests := []struct {
		name, branch, from string
		wantErr            error // matched with errors.Is, or by type for *BranchMismatchError
		mismatch           *git.BranchMismatchError
	}{
		{name: "new_branch_is_created", branch: "train-2", from: "main"},
		{name: "same_branch_again_is_a_no_op", branch: "train-2", from: second},
		{name: "existing_branch_at_the_same_commit_is_fine", branch: "train-1", from: "main~1"},
		{
			name: "existing_branch_elsewhere_is_a_mismatch", branch: "train-1", from: "main",
			mismatch: &git.BranchMismatchError{Branch: "train-1", Want: second, Got: first},
		},
		{name: "missing_start_is_not_found", branch: "train-3", from: "nope", wantErr: git.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.CreateBranch(t.Context(), tt.branch, tt.from)
			switch {
			case tt.mismatch != nil:
				var got *git.BranchMismatchError
				if !errors.As(err, &got) || *got != *tt.mismatch {
					t.Fatalf("error = %v, want %v", err, tt.mismatch)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if got, err := r.RevParse(t.Context(), "train-2"); err != nil || got != second {
		t.Errorf("train-2 = %s, %v; want %s", got, err, second)
	}
	if got, err := r.CurrentBranch(t.Context()); err != nil || got != "main" {
		t.Errorf("CurrentBranch = %q, %v; want main still checked out", got, err)
	}
}

func TestCheckout(t *testing.T) {
	src, url := newRepoWithRemote(t)
	src.WriteCommit(t, "first", nil)
	src.Git(t, "checkout", "--quiet", "-b", "train-1")
	train := src.WriteCommit(t, "train", nil)
	src.Git(t, "push", "--quiet", "origin", "main", "train-1")
	r, err := git.Clone(t.Context(), url, newDir(t))
	if err != nil {
		t.Fatalf("Clone: %v", err)
	}

	tests := []struct {
		name, rev  string
		wantBranch string
		wantHead   string
		wantErr    bool
	}{
		{name: "branch_only_on_the_remote_becomes_local", rev: "train-1", wantBranch: "train-1", wantHead: train},
		{name: "commit_detaches", rev: train + "~1", wantBranch: "", wantHead: ""},
		{name: "local_branch", rev: "main", wantBranch: "main"},
		{name: "missing_revision_fails", rev: "train-9", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Checkout(t.Context(), tt.rev)
			if tt.wantErr {
				if err == nil {
					t.Fatal("Checkout succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Checkout: %v", err)
			}
			if got, err := r.CurrentBranch(t.Context()); err != nil || got != tt.wantBranch {
				t.Errorf("CurrentBranch = %q, %v; want %q", got, err, tt.wantBranch)
			}
			if tt.wantHead != "" {
				if got, err := r.RevParse(t.Context(), "HEAD"); err != nil || got != tt.wantHead {
					t.Errorf("HEAD = %s, %v; want %s", got, err, tt.wantHead)
				}
			}
		})
	}
}
