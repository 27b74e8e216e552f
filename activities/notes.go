package activities

import (
	"context"
	"fmt"

	"github.com/signalman/signalman/internal/notes"
	"github.com/signalman/signalman/internal/version"
)

// NotesRequest asks for the release notes of a version: the changes since
// the previous release tag.
type NotesRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	Version string `json:"version"`
}

// ReleaseNotes are the grouped notes of a release.
type ReleaseNotes struct {
	Previous string `json:"previous,omitempty"`
	Markdown string `json:"markdown"`
}

// ReleaseNotes builds the notes from the commits between the previous
// version's tag (the highest release tag below this one) and this one.
func (g *Git) ReleaseNotes(ctx context.Context, req NotesRequest) (ReleaseNotes, error) {
	v, err := version.Parse(req.Version)
	if err != nil {
		return ReleaseNotes{}, badInput("release notes of %s: %v", req.Product, err)
	}
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, "origin")
	if err != nil {
		return ReleaseNotes{}, err
	}
	tags, err := repo.Tags(ctx)
	if err != nil {
		return ReleaseNotes{}, err
	}
	previous := ""
	var best version.Version
	for _, t := range tags {
		tv, err := version.Parse(t)
		if err != nil || !tv.Less(v) || (previous != "" && !best.Less(tv)) {
			continue
		}
		previous, best = t, tv
	}
	commits, err := repo.Log(ctx, previous, req.Version)
	if err != nil {
		return ReleaseNotes{}, fmt.Errorf("release notes of %s %s: %w", req.Product, req.Version, err)
	}
	n := notes.Build(req.Product, req.Version, previous, commits, nil, req.RepoURL)
	return ReleaseNotes{Previous: previous, Markdown: n.Markdown()}, nil
}
