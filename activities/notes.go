package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/notes"
	"github.com/signalman/signalman/internal/version"
)

// ReleaseNotes builds the notes from the commits between the previous
// version's tag (the highest release tag below this one) and this one.
func (g *Git) ReleaseNotes(ctx context.Context, req contract.NotesRequest) (contract.ReleaseNotes, error) {
	v, err := version.Parse(req.Version)
	if err != nil {
		return contract.ReleaseNotes{}, badInput("release notes of %s: %v", req.Product, err)
	}
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, "origin")
	if err != nil {
		return contract.ReleaseNotes{}, err
	}
	tags, err := repo.Tags(ctx)
	if err != nil {
		return contract.ReleaseNotes{}, err
	}
	previous := req.From
	var best version.Version
	if previous != "" && !slices.Contains(tags, previous) {
		return contract.ReleaseNotes{}, badInput("changes of %s %s since %s: no tag %s in %s", req.Product, req.Version, previous, previous, req.RepoURL)
	}
	for _, t := range tags {
		if req.From != "" {
			break
		}
		tv, err := version.Parse(t)
		if err != nil || !tv.Less(v) || (previous != "" && !best.Less(tv)) {
			continue
		}
		previous, best = t, tv
	}
	commits, err := repo.Log(ctx, previous, req.Version)
	if err != nil {
		return contract.ReleaseNotes{}, fmt.Errorf("release notes of %s %s: %w", req.Product, req.Version, err)
	}
	var prs []notes.PullRequest
	if req.GitHub.Repo != "" && g.GitHub != nil {
		// The commits alone make good enough notes: GitHub being down
		// must not hold the release.
		if prs, err = g.GitHub.mergedPulls(ctx, req.GitHub, commits); err != nil {
			activityLogger(ctx).Warn("release notes without pull requests", "product", req.Product, "version", req.Version, "error", err)
		}
	}
	n := notes.Build(req.Product, req.Version, previous, commits, prs, req.RepoURL)
	times := make([]time.Time, 0, len(commits))
	for _, c := range commits {
		times = append(times, c.Time.UTC())
	}
	slices.SortFunc(times, time.Time.Compare)
	return contract.ReleaseNotes{Previous: previous, Markdown: n.Markdown(), CommitTimes: times, Commits: len(commits)}, nil
}
