package git

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Push pushes refs (full names such as "refs/heads/train-101" or
// "refs/tags/v1.101.0", each to the same name) to remote, a name or URL.
// It never forces: a ref that is already identical on the remote is fine,
// a tag the remote has at another commit is a *TagMismatchError, and any
// other ref the remote refuses is a *RejectedError. Refs are pushed
// independently; the errors of all refused ones are joined.
func (r *Repo) Push(ctx context.Context, remote string, refs ...string) error {
	if err := checkRev("remote", remote); err != nil {
		return err
	}
	if len(refs) == 0 {
		return nil
	}
	args := []string{"push", "--porcelain", "--no-verify", remote}
	for _, ref := range refs {
		if err := checkRev("ref", ref); err != nil {
			return err
		}
		if !strings.HasPrefix(ref, "refs/") || strings.Contains(ref, ":") {
			return fmt.Errorf("push %s to %s: want a full ref name such as refs/tags/v1.2.0", ref, redactURL(remote))
		}
		args = append(args, ref+":"+ref)
	}
	out, err := r.run(ctx, args...)
	if err == nil {
		return nil
	}
	rejected := parseRejected(out)
	if len(rejected) == 0 {
		return fmt.Errorf("push %s to %s: %w", strings.Join(refs, " "), redactURL(remote), err)
	}
	var errs []error
	for _, rej := range rejected {
		rej.Remote = redactURL(remote)
		if err := r.checkRejectedTag(ctx, remote, rej); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// parseRejected reads the refused refs from the output of push --porcelain:
// lines of "<flag>\t<from>:<to>\t<summary>", where the flag "!" means refused.
func parseRejected(out string) []*RejectedError {
	var rejected []*RejectedError
	for line := range strings.Lines(out) {
		flag, rest, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t")
		if !ok || flag != "!" {
			continue
		}
		refs, summary, _ := strings.Cut(rest, "\t")
		_, to, _ := strings.Cut(refs, ":")
		rejected = append(rejected, &RejectedError{Ref: to, Reason: summary})
	}
	return rejected
}

// checkRejectedTag turns a refused tag into a *TagMismatchError when the
// remote has it at another commit, and into success when the remote has it
// at the same commit (an annotated tag made again, with another tag object).
// Other refusals come back as they are.
func (r *Repo) checkRejectedTag(ctx context.Context, remote string, rej *RejectedError) error {
	tag, ok := strings.CutPrefix(rej.Ref, "refs/tags/")
	if !ok {
		return rej
	}
	local, err := r.TagCommit(ctx, tag)
	if err != nil {
		return rej
	}
	theirs, found, err := r.RemoteTag(ctx, remote, tag)
	switch {
	case err != nil || !found:
		return rej
	case theirs == local:
		return nil
	default:
		return &TagMismatchError{Tag: tag, Remote: rej.Remote, Want: local, Got: theirs}
	}
}
