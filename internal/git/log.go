package git

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Commit is one commit as Log reports it.
type Commit struct {
	SHA    string
	Author string
	Email  string
	// Time is the author date: when the change was written.
	Time time.Time
	// Committed is the committer date: when the commit was made, which for
	// a cherry-pick is when it was picked.
	Committed time.Time
	// Subject is the first paragraph of the message, on one line.
	Subject string
	// Body is the rest of the message.
	Body string
}

// pickedPrefix starts the line that git's -x adds to a cherry-picked commit.
const pickedPrefix = "(cherry picked from commit "

// CherryPickedFrom returns the commit c was cherry-picked from, as recorded
// by "git cherry-pick -x" (the last such line), or "" if none is recorded.
func (c Commit) CherryPickedFrom() string {
	var from string
	for line := range strings.Lines(c.Body) {
		line = strings.TrimSpace(line)
		if sha, ok := strings.CutPrefix(line, pickedPrefix); ok && strings.HasSuffix(sha, ")") {
			from = strings.TrimSuffix(sha, ")")
		}
	}
	return from
}

// logFormat puts one field a line; with -z, commits end in NUL. Only the
// body, which comes last, can hold newlines.
const logFormat = "%H%n%an%n%ae%n%aI%n%cI%n%s%n%b"

// Log returns the commits reachable from to but not from from, oldest first
// (a parent always before its children). An empty from means all of to's history.
func (r *Repo) Log(ctx context.Context, from, to string) ([]Commit, error) {
	if err := checkRev("revision", to); err != nil {
		return nil, err
	}
	rng := to
	if from != "" {
		if err := checkRev("revision", from); err != nil {
			return nil, err
		}
		rng = from + ".." + to
	}
	out, err := r.run(ctx, "log", "-z", "--reverse", "--date-order", "--no-show-signature", "--format="+logFormat, rng, "--")
	if err != nil {
		return nil, fmt.Errorf("log %s: %w", rng, err)
	}
	var commits []Commit
	for rec := range strings.SplitSeq(out, "\x00") {
		if rec == "" {
			continue
		}
		c, err := parseCommit(rec)
		if err != nil {
			return nil, fmt.Errorf("log %s: %w", rng, err)
		}
		commits = append(commits, c)
	}
	return commits, nil
}

// parseCommit reads one record of logFormat.
func parseCommit(rec string) (Commit, error) {
	f := strings.SplitN(rec, "\n", 7)
	if len(f) < 7 {
		return Commit{}, fmt.Errorf("malformed log record %q", rec)
	}
	authored, err := time.Parse(time.RFC3339, f[3])
	if err != nil {
		return Commit{}, fmt.Errorf("commit %s: author date: %w", f[0], err)
	}
	committed, err := time.Parse(time.RFC3339, f[4])
	if err != nil {
		return Commit{}, fmt.Errorf("commit %s: committer date: %w", f[0], err)
	}
	return Commit{
		SHA:       f[0],
		Author:    f[1],
		Email:     f[2],
		Time:      authored,
		Committed: committed,
		Subject:   f[5],
		Body:      strings.TrimRight(f[6], "\n"),
	}, nil
}
