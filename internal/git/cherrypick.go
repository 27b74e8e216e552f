package git

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// cleanupTimeout bounds the undoing of a failed cherry-pick.
const cleanupTimeout = time.Minute

// CherryPick applies commit sha onto the branch checked out, recording its
// origin with a "(cherry picked from commit ...)" line (git's -x), and
// returns the new commit. The working tree must be clean.
//
// On a conflict the pick is aborted, the branch and working tree are left
// exactly as before, and the error is a *ConflictError naming the files.
// If the branch already has the change, so that the pick would be empty,
// nothing is committed and the error wraps ErrAlreadyApplied.
func (r *Repo) CherryPick(ctx context.Context, sha string) (string, error) {
	if err := checkRev("commit", sha); err != nil {
		return "", err
	}
	commit, err := r.RevParse(ctx, sha)
	if err != nil {
		return "", fmt.Errorf("cherry-pick %s: %w", sha, err)
	}
	before, err := r.RevParse(ctx, "HEAD")
	if err != nil {
		return "", fmt.Errorf("cherry-pick %s: %w", sha, err)
	}
	onto, err := r.CurrentBranch(ctx)
	if err != nil {
		return "", fmt.Errorf("cherry-pick %s: %w", sha, err)
	}
	if onto == "" {
		onto = short(before)
	}

	_, pickErr := r.run(ctx, "cherry-pick", "-x", commit)
	if pickErr == nil {
		after, err := r.RevParse(ctx, "HEAD")
		if err != nil {
			return "", fmt.Errorf("cherry-pick %s onto %s: %w", sha, onto, err)
		}
		return after, nil
	}

	// Clean up even if ctx is done: a pick left half-way blocks the next.
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	conflicts, err := r.unmerged(cleanup)
	if err != nil {
		return "", fmt.Errorf("cherry-pick %s onto %s: %w (and listing conflicts: %w)", sha, onto, pickErr, err)
	}
	if _, err := r.resolve(cleanup, "cherry-pick in progress", "CHERRY_PICK_HEAD"); err != nil {
		// Nothing was started (a dirty tree, say): nothing to undo.
		return "", fmt.Errorf("cherry-pick %s onto %s: %w", sha, onto, pickErr)
	}
	if err := r.abortPick(cleanup, before); err != nil {
		return "", fmt.Errorf("cherry-pick %s onto %s: %w (and %w)", sha, onto, pickErr, err)
	}
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("cherry-pick %s onto %s: %w", sha, onto, pickErr)
	case len(conflicts) == 0:
		return "", fmt.Errorf("cherry-pick %s onto %s: %w", sha, onto, ErrAlreadyApplied)
	default:
		return "", &ConflictError{Commit: commit, Onto: onto, Files: conflicts}
	}
}

// unmerged lists the paths in conflict in the index.
func (r *Repo) unmerged(ctx context.Context) ([]string, error) {
	out, err := r.run(ctx, "diff", "--name-only", "-z", "--diff-filter=U")
	if err != nil {
		return nil, err
	}
	var files []string
	for f := range strings.SplitSeq(out, "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}

// abortPick abandons the cherry-pick in progress and checks that HEAD is
// back at before.
func (r *Repo) abortPick(ctx context.Context, before string) error {
	if _, err := r.run(ctx, "cherry-pick", "--abort"); err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	head, err := r.RevParse(ctx, "HEAD")
	if err != nil {
		return fmt.Errorf("abort: %w", err)
	}
	if head != before {
		return fmt.Errorf("abort left HEAD at %s, not %s", head, before)
	}
	return nil
}
