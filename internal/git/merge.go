package git

import (
	"context"
	"fmt"
)

// SetRemote points the remote named name at url, adding it if it is not
// configured yet.
func (r *Repo) SetRemote(ctx context.Context, name, url string) error {
	if err := checkRev("remote", name); err != nil {
		return err
	}
	if _, err := r.run(ctx, "remote", "set-url", name, url); err == nil {
		return nil
	}
	if _, err := r.run(ctx, "remote", "add", name, url); err != nil {
		return fmt.Errorf("add remote %s: %w", name, err)
	}
	return nil
}

// Merge merges rev into the branch checked out: a fast-forward when the
// branch is behind rev, else a merge commit with message. The working
// tree must be clean.
//
// On a conflict the merge is aborted, the branch and working tree are
// left exactly as before, and the error is a *ConflictError naming the
// files.
func (r *Repo) Merge(ctx context.Context, rev, message string) (string, error) {
	if err := checkRev("commit", rev); err != nil {
		return "", err
	}
	before, err := r.RevParse(ctx, "HEAD")
	if err != nil {
		return "", fmt.Errorf("merge %s: %w", rev, err)
	}
	onto, err := r.CurrentBranch(ctx)
	if err != nil {
		return "", fmt.Errorf("merge %s: %w", rev, err)
	}
	_, mergeErr := r.run(ctx, "merge", "--no-edit", "-m", message, rev)
	if mergeErr == nil {
		return r.RevParse(ctx, "HEAD")
	}
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	conflicts, err := r.unmerged(cleanup)
	if err != nil || len(conflicts) == 0 {
		return "", fmt.Errorf("merge %s into %s: %w", rev, onto, mergeErr)
	}
	if _, err := r.run(cleanup, "merge", "--abort"); err != nil {
		return "", fmt.Errorf("merge %s into %s: %w (and abort: %w)", rev, onto, mergeErr, err)
	}
	if head, err := r.RevParse(cleanup, "HEAD"); err != nil || head != before {
		return "", fmt.Errorf("merge %s into %s: abort left HEAD at %s, not %s", rev, onto, head, before)
	}
	sha, _ := r.RevParse(cleanup, rev)
	return "", &ConflictError{Commit: sha, Onto: onto, Files: conflicts, Merge: true}
}
