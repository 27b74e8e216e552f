package git

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RevParse returns the full hash of the commit rev names (a branch, tag,
// hash or any revision expression). A revision that does not name a commit
// is an error wrapping ErrNotFound.
func (r *Repo) RevParse(ctx context.Context, rev string) (string, error) {
	if err := checkRev("revision", rev); err != nil {
		return "", err
	}
	return r.resolve(ctx, "revision "+rev, rev+"^{commit}")
}

// resolve returns the hash of the object expr names; what names the thing
// looked for in errors.
func (r *Repo) resolve(ctx context.Context, what, expr string) (string, error) {
	out, err := r.run(ctx, "rev-parse", "-q", "--verify", expr)
	if err != nil {
		if exitCode(err) == 1 {
			return "", fmt.Errorf("%s: %w", what, ErrNotFound)
		}
		return "", fmt.Errorf("resolve %s: %w", what, err)
	}
	return strings.TrimSpace(out), nil
}

// CommitTime returns when the commit rev names was committed (the committer
// date, which for a cherry-pick is when it was picked).
func (r *Repo) CommitTime(ctx context.Context, rev string) (time.Time, error) {
	sha, err := r.RevParse(ctx, rev)
	if err != nil {
		return time.Time{}, err
	}
	out, err := r.run(ctx, "log", "-1", "--no-show-signature", "--format=%cI", sha, "--")
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time of %s: %w", rev, err)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(out))
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time of %s: %w", rev, err)
	}
	return t, nil
}

// Contains reports whether rev contains ancestor, that is whether ancestor
// is rev or one of its ancestors.
func (r *Repo) Contains(ctx context.Context, ancestor, rev string) (bool, error) {
	a, err := r.RevParse(ctx, ancestor)
	if err != nil {
		return false, err
	}
	b, err := r.RevParse(ctx, rev)
	if err != nil {
		return false, err
	}
	_, err = r.run(ctx, "merge-base", "--is-ancestor", a, b)
	switch {
	case err == nil:
		return true, nil
	case exitCode(err) == 1:
		return false, nil
	default:
		return false, fmt.Errorf("is %s in %s: %w", ancestor, rev, err)
	}
}

// CurrentBranch returns the short name of the branch checked out, or ""
// when HEAD is detached.
func (r *Repo) CurrentBranch(ctx context.Context) (string, error) {
	out, err := r.run(ctx, "symbolic-ref", "-q", "--short", "HEAD")
	if err != nil {
		if exitCode(err) == 1 {
			return "", nil
		}
		return "", fmt.Errorf("current branch: %w", err)
	}
	return strings.TrimSpace(out), nil
}
