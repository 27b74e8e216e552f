package contract

import (
	"github.com/signalman/signalman/internal/config"
)

// BuildNumberRequest asks for the next build number of a product.
type BuildNumberRequest struct {
	Product string `json:"product"`
}

// BuildRequest asks for one service's image of one release.
type BuildRequest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// RepoURL is where the tagged commit is cloned from.
	RepoURL string `json:"repoURL"`
	Service string `json:"service"`
	// Build is how the service is built; Number is the release's build number.
	Build  config.Build `json:"build"`
	Number int          `json:"number"`
	// Follow is set for a build of a commit on the branch an environment
	// follows, or on a temporary stage deploy's branch (stage/NAME):
	// Version is then BRANCH-SHA7, not a release version.
	Follow string `json:"follow,omitempty"`
}

// Artifact is one pushed image, always addressed by digest.
type Artifact struct {
	Service string `json:"service"`
	// Image is the repository and build tag, e.g. registry/shop/api:v1.2.0-build.3-abc1234.
	Image string `json:"image"`
	// Digest is "sha256:<hex>"; deploys use Repository@Digest only.
	Digest string `json:"digest"`
}

// Ref is the image addressed by digest.
func (a Artifact) Ref() string {
	repo := a.Image
	for i := len(repo) - 1; i >= 0; i-- {
		if repo[i] == ':' {
			repo = repo[:i]
			break
		}
		if repo[i] == '/' {
			break
		}
	}
	return repo + "@" + a.Digest
}

// SignRequest asks for a signature and attestations on one artifact.
type SignRequest struct {
	Product  string   `json:"product"`
	Version  string   `json:"version"`
	Commit   string   `json:"commit"`
	RepoURL  string   `json:"repoURL"`
	Artifact Artifact `json:"artifact"`
	// Build is how the image was built, recorded in its provenance.
	Build config.Build `json:"build"`
	// Invocation names the release that built it (its workflow ID).
	Invocation string `json:"invocation"`
	// Key is the key to sign with: "" the release key, FollowKey the
	// non-release key of builds of a followed branch or of a temporary
	// stage deploy, which only the environments that take them trust.
	Key string `json:"key,omitempty"`
	// KeepBinary leaves a Go build's binary, copied out of its image for
	// the SBOM, to the vulnerability gate that follows on this signer.
	KeepBinary bool `json:"keepBinary,omitempty"`
}

// FollowKey names the signing key of builds of a followed branch.
const FollowKey = "follow"

// BranchHeadName reads the commit a branch of a repository is at.
const BranchHeadName = "BranchHead"

// BranchHeadRequest names the repository and branch.
type BranchHeadRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	Branch  string `json:"branch"`
}

// VerifyRequest asks whether an artifact may be deployed for a release.
type VerifyRequest struct {
	Product  string   `json:"product"`
	Version  string   `json:"version"`
	Commit   string   `json:"commit"`
	Artifact Artifact `json:"artifact"`
	// Keys are the public keys (PEM) the environment accepts; empty
	// accepts every key its deployers trust.
	Keys []string `json:"keys,omitempty"`
}
