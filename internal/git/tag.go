package git

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Tag creates the annotated tag name at commit sha with message. A tag
// already at that commit is left alone, so a retry succeeds; one pointing
// elsewhere is a *TagMismatchError. Tags are never moved.
func (r *Repo) Tag(ctx context.Context, name, sha, message string) error {
	if err := checkRev("tag name", name); err != nil {
		return err
	}
	want, err := r.RevParse(ctx, sha)
	if err != nil {
		return fmt.Errorf("tag %s at %s: %w", name, sha, err)
	}
	got, err := r.TagCommit(ctx, name)
	switch {
	case err == nil && got == want:
		return nil
	case err == nil:
		return &TagMismatchError{Tag: name, Want: want, Got: got}
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("tag %s at %s: %w", name, sha, err)
	}
	if _, err := r.run(ctx, "tag", "--annotate", "--message", message, name, want); err != nil {
		return fmt.Errorf("tag %s at %s: %w", name, sha, err)
	}
	return nil
}

// TagCommit returns the commit tag name points at (through an annotated
// tag object). A missing tag is an error wrapping ErrNotFound.
func (r *Repo) TagCommit(ctx context.Context, name string) (string, error) {
	if err := checkRev("tag name", name); err != nil {
		return "", err
	}
	return r.resolve(ctx, "tag "+name, "refs/tags/"+name+"^{commit}")
}

// VerifyTag checks that tag name exists and points at the commit sha names:
// a missing tag wraps ErrNotFound, a tag elsewhere is a *TagMismatchError.
// It does not check signatures.
func (r *Repo) VerifyTag(ctx context.Context, name, sha string) error {
	want, err := r.RevParse(ctx, sha)
	if err != nil {
		return fmt.Errorf("verify tag %s at %s: %w", name, sha, err)
	}
	got, err := r.TagCommit(ctx, name)
	if err != nil {
		return fmt.Errorf("verify tag %s at %s: %w", name, sha, err)
	}
	if got != want {
		return &TagMismatchError{Tag: name, Want: want, Got: got}
	}
	return nil
}

// Tags lists the repository's tag names.
func (r *Repo) Tags(ctx context.Context) ([]string, error) {
	out, err := r.run(ctx, "tag", "--list")
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return strings.Fields(out), nil
}
