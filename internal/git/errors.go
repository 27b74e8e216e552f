package git

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNotFound reports a revision, branch or tag that does not exist.
var ErrNotFound = errors.New("not found")

// ErrAlreadyApplied reports a cherry-pick that would change nothing because
// the branch already holds the change (or the commit is empty).
var ErrAlreadyApplied = errors.New("change already on the branch (empty cherry-pick)")

// maxStderr is how much of git's standard error an Error keeps.
const maxStderr = 4 << 10

// Error is a git command that failed.
type Error struct {
	// Args are git's arguments after the -c settings, credentials removed.
	Args []string
	// Stderr is the end of git's standard error, trimmed.
	Stderr string
	// Err is the cause: usually an *exec.ExitError, or the context's error.
	Err error
}

// Error names the subcommand only: the caller's message says what it was
// doing, and Args has the rest.
func (e *Error) Error() string {
	sub := ""
	if len(e.Args) > 0 {
		sub = " " + e.Args[0]
	}
	msg := fmt.Sprintf("git%s: %v", sub, e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the cause, so errors.Is finds context.Canceled.
func (e *Error) Unwrap() error { return e.Err }

// TagMismatchError reports a tag that exists but points at another commit
// than the one asked for. Tags are never moved.
type TagMismatchError struct {
	Tag string
	// Remote is the remote holding the tag, empty for the local repository.
	Remote string
	// Want is the commit the tag was meant to point at.
	Want string
	// Got is the commit the tag points at.
	Got string
}

// Error says where the tag points and that it will not be moved.
func (e *TagMismatchError) Error() string {
	where := ""
	if e.Remote != "" {
		where = " on " + e.Remote
	}
	return fmt.Sprintf("tag %s%s points at %s, not %s (tags are never moved)",
		e.Tag, where, short(e.Got), short(e.Want))
}

// BranchMismatchError reports a branch that exists but points at another
// commit than the one it was to be created at.
type BranchMismatchError struct {
	Branch string
	Want   string
	Got    string
}

// Error says where the branch is.
func (e *BranchMismatchError) Error() string {
	return fmt.Sprintf("branch %s already exists at %s, not %s", e.Branch, short(e.Got), short(e.Want))
}

// ConflictError reports a cherry-pick that conflicted and was aborted;
// the branch is as it was before.
type ConflictError struct {
	// Commit is the commit that was picked.
	Commit string
	// Onto is the branch (or, when detached, the commit) picked onto.
	Onto string
	// Files are the paths in conflict.
	Files []string
	// Merge is set when the commit was merged rather than picked.
	Merge bool
}

// Error names the commit, the branch and the files in conflict.
func (e *ConflictError) Error() string {
	if e.Merge {
		return fmt.Sprintf("merge %s into %s conflicts in %s; the merge was aborted and %s is unchanged",
			short(e.Commit), e.Onto, strings.Join(e.Files, ", "), e.Onto)
	}
	return fmt.Sprintf("cherry-pick %s onto %s conflicts in %s; the pick was aborted and %s is unchanged",
		short(e.Commit), e.Onto, strings.Join(e.Files, ", "), e.Onto)
}

// RejectedError reports a ref the remote refused in a push.
type RejectedError struct {
	Remote string
	Ref    string
	// Reason is git's summary, e.g. "[rejected] (non-fast-forward)".
	Reason string
}

// Error names the ref, the remote and git's reason.
func (e *RejectedError) Error() string {
	return fmt.Sprintf("push %s to %s: %s", e.Ref, e.Remote, e.Reason)
}

// short abbreviates a full commit hash for messages.
func short(sha string) string {
	if len(sha) == 40 {
		return sha[:12]
	}
	return sha
}

// lastBytes trims s and keeps at most its last n bytes.
func lastBytes(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// redactArgs returns args with credentials removed from URLs.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redactURL(a)
	}
	return out
}

// redact removes from s the credentials of any URL among args.
func redact(s string, args []string) string {
	for _, a := range args {
		if r := redactURL(a); r != a {
			s = strings.ReplaceAll(s, a, r)
		}
	}
	return s
}

// redactURL drops the user information (a token, often) from a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil || u.Host == "" {
		return s
	}
	u.User = nil
	return u.String()
}
