package git

import (
	"context"
	"errors"
	"fmt"
)

// CreateBranch creates branch name at the commit from names, without
// checking it out. A branch already at that commit is left alone, so a
// retry succeeds; one elsewhere is a *BranchMismatchError.
func (r *Repo) CreateBranch(ctx context.Context, name, from string) error {
	if err := checkRev("branch name", name); err != nil {
		return err
	}
	want, err := r.RevParse(ctx, from)
	if err != nil {
		return fmt.Errorf("create branch %s at %s: %w", name, from, err)
	}
	got, err := r.resolve(ctx, "branch "+name, "refs/heads/"+name+"^{commit}")
	switch {
	case err == nil && got == want:
		return nil
	case err == nil:
		return &BranchMismatchError{Branch: name, Want: want, Got: got}
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("create branch %s at %s: %w", name, from, err)
	}
	if _, err := r.run(ctx, "branch", "--no-track", name, want); err != nil {
		return fmt.Errorf("create branch %s at %s: %w", name, from, err)
	}
	return nil
}

// Checkout checks out rev: a local branch, a branch only the remote has
// (which creates a local one tracking it), or any commit (detached).
func (r *Repo) Checkout(ctx context.Context, rev string) error {
	if err := checkRev("revision", rev); err != nil {
		return err
	}
	if _, err := r.run(ctx, "checkout", "--quiet", rev, "--"); err != nil {
		return fmt.Errorf("check out %s in %s: %w", rev, r.Dir, err)
	}
	return nil
}

// ResetHard moves the current branch and the working tree to rev,
// dropping local commits and changes.
func (r *Repo) ResetHard(ctx context.Context, rev string) error {
	if err := checkRev("revision", rev); err != nil {
		return err
	}
	if _, err := r.run(ctx, "reset", "--hard", "--quiet", rev); err != nil {
		return fmt.Errorf("reset to %s: %w", rev, err)
	}
	return nil
}
