package contract

import (
	"time"
)

// NotesRequest asks for the release notes of a version: the changes since
// the previous release tag.
type NotesRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	Version string `json:"version"`
	// From is the version to count from instead of the previous release
	// tag (a change preview counts from what runs in an environment).
	From string `json:"from,omitempty"`
	// GitHub, when its Repo is set, adds the merged pull requests of the
	// commits to the notes.
	GitHub GitHubRepo `json:"github,omitzero"`
}

// ReleaseNotes are the grouped notes of a release.
type ReleaseNotes struct {
	Previous string `json:"previous,omitempty"`
	Markdown string `json:"markdown"`
	// CommitTimes are the author times of the commits the release brings,
	// oldest first: where lead time for changes starts.
	CommitTimes []time.Time `json:"commitTimes,omitempty"`
	// Commits counts the commits.
	Commits int `json:"commits,omitempty"`
}
