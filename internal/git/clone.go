package git

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Clone makes a full clone of url in dir, with every branch (as
// remote-tracking branches of "origin") and every tag, and checks out the
// remote's default branch. dir must not exist or be empty.
//
// A URL with credentials in it is stored in the clone's configuration;
// prefer a credential helper.
func Clone(ctx context.Context, url, dir string) (*Repo, error) {
	r, err := clone(ctx, url, dir)
	if err != nil {
		return nil, err
	}
	// An empty remote has nothing to check out.
	if _, err := r.RevParse(ctx, "HEAD"); errors.Is(err, ErrNotFound) {
		return r, nil
	}
	if _, err := r.run(ctx, "checkout", "--quiet"); err != nil {
		return nil, fmt.Errorf("clone %s into %s: %w", redactURL(url), dir, err)
	}
	return r, nil
}

// CheckoutClean makes a fresh full clone of url in dir, detached at rev
// (a tag, branch or hash), with nothing else in the working tree: the place
// to run the tests of a tag. dir must not exist or be empty.
func CheckoutClean(ctx context.Context, url, rev, dir string) (*Repo, error) {
	r, err := clone(ctx, url, dir)
	if err != nil {
		return nil, err
	}
	sha, err := r.RevParse(ctx, rev)
	if err != nil {
		return nil, fmt.Errorf("clean checkout of %s from %s: %w", rev, redactURL(url), err)
	}
	if _, err := r.run(ctx, "checkout", "--quiet", "--detach", sha); err != nil {
		return nil, fmt.Errorf("clean checkout of %s from %s: %w", rev, redactURL(url), err)
	}
	return r, nil
}

// clone clones url into dir without checking anything out and fetches
// every tag.
func clone(ctx context.Context, url, dir string) (*Repo, error) {
	if err := checkRev("URL", url); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("clone %s into %s: %w", redactURL(url), dir, err)
	}
	if _, err := runGit(ctx, "", Identity{}, "clone", "--quiet", "--no-checkout", "--", url, abs); err != nil {
		return nil, fmt.Errorf("clone %s into %s: %w", redactURL(url), dir, err)
	}
	r := &Repo{Dir: abs}
	// A clone has the tags on its branches' history; release work needs
	// all of them.
	if err := r.Fetch(ctx, "origin"); err != nil {
		return nil, fmt.Errorf("clone %s into %s: %w", redactURL(url), dir, err)
	}
	return r, nil
}

// Fetch fetches the branches and all the tags of remote, the name of a
// configured remote such as "origin". Tags are not forced: a tag the remote
// has at another commit is reported as a *TagMismatchError (one per tag,
// joined) and the local tag stays as it was. A tag made again at the same
// commit, with another tag object, is accepted and the local one kept.
func (r *Repo) Fetch(ctx context.Context, remote string) error {
	if err := checkRev("remote", remote); err != nil {
		return err
	}
	_, err := r.run(ctx, "fetch", "--tags", remote)
	if err == nil {
		return nil
	}
	var gitErr *Error
	if !errors.As(err, &gitErr) {
		return fmt.Errorf("fetch from %s: %w", redactURL(remote), err)
	}
	tags := clobberedTags(gitErr.Stderr)
	if len(tags) == 0 {
		return fmt.Errorf("fetch from %s: %w", redactURL(remote), err)
	}
	var errs []error
	for _, tag := range tags {
		local, lerr := r.TagCommit(ctx, tag)
		theirs, found, rerr := r.RemoteTag(ctx, remote, tag)
		switch {
		case lerr != nil || rerr != nil || !found:
			return fmt.Errorf("fetch from %s: %w", redactURL(remote), err)
		case local != theirs:
			errs = append(errs, &TagMismatchError{Tag: tag, Remote: redactURL(remote), Want: local, Got: theirs})
		}
	}
	return errors.Join(errs...)
}

// clobberedTags returns the tags git refused to update in a fetch because
// the remote has them with another value.
func clobberedTags(stderr string) []string {
	var tags []string
	for line := range strings.Lines(stderr) {
		if !strings.Contains(line, "(would clobber existing tag)") {
			continue
		}
		// " ! [rejected]        v1.0.0     -> v1.0.0  (would clobber existing tag)"
		_, after, ok := strings.Cut(line, "->")
		if f := strings.Fields(after); ok && len(f) > 0 {
			tags = append(tags, f[0])
		}
	}
	return tags
}
