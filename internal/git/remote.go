package git

import (
	"context"
	"fmt"
	"strings"
)

// RemoteTag returns the commit tag has on remote (a name or URL), peeled
// through an annotated tag object; found is false if remote has no such tag.
func (r *Repo) RemoteTag(ctx context.Context, remote, tag string) (sha string, found bool, err error) {
	ref := "refs/tags/" + tag
	refs, err := r.lsRemote(ctx, remote, ref, ref+"^{}")
	if err != nil {
		return "", false, fmt.Errorf("tag %s on %s: %w", tag, redactURL(remote), err)
	}
	if sha, ok := refs[ref+"^{}"]; ok {
		return sha, true, nil
	}
	sha, found = refs[ref]
	return sha, found, nil
}

// RemoteBranch returns the commit branch is at on remote (a name or URL);
// found is false if remote has no such branch.
func (r *Repo) RemoteBranch(ctx context.Context, remote, branch string) (sha string, found bool, err error) {
	ref := "refs/heads/" + branch
	refs, err := r.lsRemote(ctx, remote, ref)
	if err != nil {
		return "", false, fmt.Errorf("branch %s on %s: %w", branch, redactURL(remote), err)
	}
	sha, found = refs[ref]
	return sha, found, nil
}

// lsRemote returns the hashes of the refs of remote named exactly as one
// of patterns.
func (r *Repo) lsRemote(ctx context.Context, remote string, patterns ...string) (map[string]string, error) {
	if err := checkRev("remote", remote); err != nil {
		return nil, err
	}
	for _, p := range patterns {
		if err := checkRev("ref", p); err != nil {
			return nil, err
		}
	}
	out, err := r.run(ctx, append([]string{"ls-remote", remote}, patterns...)...)
	if err != nil {
		return nil, err
	}
	refs := make(map[string]string)
	for line := range strings.Lines(out) {
		sha, name, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok {
			refs[name] = sha
		}
	}
	// ls-remote matches patterns against the end of a name
	// ("refs/tags/v1" also finds "refs/tags/old/refs/tags/v1"): keep exact names.
	exact := make(map[string]string, len(patterns))
	for _, p := range patterns {
		if sha, ok := refs[p]; ok {
			exact[p] = sha
		}
	}
	return exact, nil
}

// RemoteBranches lists the branch names remote has.
func (r *Repo) RemoteBranches(ctx context.Context, remote string) ([]string, error) {
	if err := checkRev("remote", remote); err != nil {
		return nil, err
	}
	out, err := r.run(ctx, "ls-remote", "--heads", remote)
	if err != nil {
		return nil, fmt.Errorf("branches on %s: %w", redactURL(remote), err)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		_, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if name, isHead := strings.CutPrefix(ref, "refs/heads/"); ok && isHead {
			names = append(names, name)
		}
	}
	return names, nil
}
