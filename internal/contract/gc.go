package contract

import (
	"slices"
	"time"

	"github.com/signalman/signalman/internal/version"
)

// The activities of garbage collection (`signalman gc`), one for each
// role that holds something to prune.
const (
	// ListReleasesName lists a product's releases and their images.
	ListReleasesName = "ListReleases"
	// PruneImagesName deletes release images from the registry, with their
	// signatures and attestations, and checkouts left by killed builds.
	PruneImagesName = "PruneImages"
	// PruneDeployName removes unpacked and pulled images a deployer keeps.
	PruneDeployName = "PruneDeploy"
	// PruneCheckoutsName removes checkouts left by killed tests and clones.
	PruneCheckoutsName = "PruneCheckouts"
)

// ListReleasesRequest names the product whose releases to list.
type ListReleasesRequest struct {
	Product string `json:"product"`
}

// ReleaseImages is one release and the images it built.
type ReleaseImages struct {
	Version string `json:"version"`
	// Running is true while the release is under way; Succeeded when it
	// reached the end (so a rollback may return to it).
	Running   bool       `json:"running,omitempty"`
	Succeeded bool       `json:"succeeded,omitempty"`
	Artifacts []Artifact `json:"artifacts,omitempty"`
}

// Kept is why a release's images are kept.
type Kept struct {
	Version string `json:"version"`
	Why     string `json:"why"`
}

// Retain decides which releases keep their images: those under way, those
// whose images run in an environment (envs), in each environment the
// release a rollback would return to (the newest that succeeded below
// what runs there), and the latest keep releases by version. The others
// are dropped, except for images a kept release shares.
func Retain(releases []ReleaseImages, envs []EnvState, keep int) (kept []Kept, dropped []ReleaseImages) {
	why := map[string]string{}
	mark := func(v, reason string) {
		if _, ok := why[v]; !ok {
			why[v] = reason
		}
	}
	byVersion := slices.Clone(releases)
	slices.SortFunc(byVersion, func(a, b ReleaseImages) int { return compareVersions(b.Version, a.Version) })
	running := map[string]bool{}
	for _, st := range envs {
		for _, r := range st.Running {
			running[r.Artifact.Digest] = true
			mark(r.Version, "runs in "+st.Env)
			// What a rollback of this service would return to.
			for _, rel := range byVersion {
				if rel.Succeeded && compareVersions(rel.Version, r.Version) < 0 {
					mark(rel.Version, "a rollback of "+st.Env+" returns to it")
					break
				}
			}
		}
	}
	for i, rel := range byVersion {
		switch {
		case rel.Running:
			mark(rel.Version, "under way")
		case i < keep:
			mark(rel.Version, "one of the latest releases")
		}
		for _, a := range rel.Artifacts {
			if running[a.Digest] {
				mark(rel.Version, "runs in an environment")
			}
		}
	}
	for _, rel := range byVersion {
		if w, ok := why[rel.Version]; ok {
			kept = append(kept, Kept{Version: rel.Version, Why: w})
		} else {
			dropped = append(dropped, rel)
		}
	}
	// An image a kept release shares (the same digest) stays.
	keptDigests := map[string]bool{}
	for _, rel := range byVersion {
		if _, ok := why[rel.Version]; ok {
			for _, a := range rel.Artifacts {
				keptDigests[a.Digest] = true
			}
		}
	}
	for i := range dropped {
		dropped[i].Artifacts = slices.DeleteFunc(slices.Clone(dropped[i].Artifacts), func(a Artifact) bool { return keptDigests[a.Digest] })
	}
	return kept, dropped
}

// compareVersions orders release versions; one that does not parse sorts
// below every one that does.
func compareVersions(a, b string) int {
	va, ea := version.Parse(a)
	vb, eb := version.Parse(b)
	switch {
	case ea != nil && eb != nil:
		return 0
	case ea != nil:
		return -1
	case eb != nil:
		return 1
	case va.Less(vb):
		return -1
	case vb.Less(va):
		return 1
	}
	return 0
}

// PruneImagesRequest deletes images from the registry.
type PruneImagesRequest struct {
	Product string     `json:"product"`
	Delete  []Artifact `json:"delete,omitempty"`
	// OlderThan removes build checkouts left behind this long ago.
	OlderThan time.Duration `json:"olderThan"`
	DryRun    bool          `json:"dryRun,omitempty"`
	// Follow, when set, also prunes the builds of that followed branch
	// (tags BRANCH-SHA7-build.N) in Repos: all but the latest FollowKeep
	// and those whose digests are in FollowRunning.
	Follow        string   `json:"follow,omitempty"`
	Repos         []string `json:"repos,omitempty"`
	FollowKeep    int      `json:"followKeep,omitempty"`
	FollowRunning []string `json:"followRunning,omitempty"`
}

// PruneDeployRequest removes what a deployer of Env keeps of the images
// Delete names (digests): never one an instance still runs.
type PruneDeployRequest struct {
	Product string   `json:"product"`
	Env     string   `json:"env"`
	Delete  []string `json:"delete"`
	DryRun  bool     `json:"dryRun,omitempty"`
}

// PruneCheckoutsRequest removes checkouts left behind OlderThan ago.
type PruneCheckoutsRequest struct {
	Product   string        `json:"product"`
	OlderThan time.Duration `json:"olderThan"`
	DryRun    bool          `json:"dryRun,omitempty"`
}

// PruneResult is what one prune removed (or, dry, would remove).
type PruneResult struct {
	Removed []string `json:"removed,omitempty"`
	// Digests are the images whose copies it removed (or would remove).
	Digests []string `json:"digests,omitempty"`
	// Bytes is the space freed, where it is known.
	Bytes int64 `json:"bytes"`
	// Notes say what was left and why.
	Notes []string `json:"notes,omitempty"`
}
