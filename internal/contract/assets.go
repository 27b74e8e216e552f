package contract

import "github.com/signalman/signalman/internal/config"

// The activities that carry a release's static assets: the build role
// packs them from the tagged commit into a registry artifact, and each
// environment's deploy role uploads them from it to the environment's bucket.
const (
	PackAssetsName   = "PackAssets"
	UploadAssetsName = "UploadAssets"
)

// PackAssetsRequest asks for the asset directories of a release's commit.
type PackAssetsRequest struct {
	Product string `json:"product"`
	Version string `json:"version"`
	Commit  string `json:"commit"`
	// RepoURL is where the tagged commit is cloned from.
	RepoURL string `json:"repoURL"`
	// Dirs are the pipeline's asset directories (config.Pipeline.Assets).
	Dirs []string `json:"dirs"`
}

// Assets are a release's static assets: the artifact that holds them and
// its manifest. They are the release's record of what was packed, and
// every upload checks the artifact's files against it.
type Assets struct {
	// Ref is the artifact by digest: registry/product/assets@sha256:...
	Ref string `json:"ref"`
	// Tree is the content hash of all the files: the SHA-256 of their
	// lines "SHA256  PATH", sorted, as sha256sum prints them. It is the
	// last element of every object's key prefix.
	Tree string `json:"tree"`
	// Files are the assets, sorted by path.
	Files []AssetFile `json:"files"`
	// Uploads are where each environment's copy went.
	Uploads []AssetUpload `json:"uploads,omitempty"`
}

// AssetFile is one asset: its path in the repository, size and SHA-256.
type AssetFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// UploadAssetsRequest asks an environment's deploy role to put a
// release's assets in the environment's bucket. It names the bucket; the
// worker's own environment holds the credentials.
type UploadAssetsRequest struct {
	Product string             `json:"product"`
	Version string             `json:"version"`
	Env     string             `json:"env"`
	Bucket  config.AssetBucket `json:"bucket"`
	// Assets are what PackAssets returned (Uploads aside).
	Assets Assets `json:"assets"`
}

// AssetUpload is one environment's upload of a release's assets.
type AssetUpload struct {
	Env    string `json:"env"`
	Bucket string `json:"bucket"`
	// Prefix is the key prefix of the objects, tree hash included:
	// PREFIX/TREE/; each file is Prefix + its path.
	Prefix string `json:"prefix"`
	// Endpoint is the S3-compatible store's, empty for AWS S3.
	Endpoint string `json:"endpoint,omitempty"`
	// Written are the objects written; Skipped those that held the same
	// content already.
	Written int `json:"written"`
	Skipped int `json:"skipped"`
}
