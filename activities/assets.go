package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/assets"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
)

// Assets carries a release's static assets: on the build role PackAssets
// packs them from the tagged commit into an artifact in the registry, by
// content; on an environment's deploy role UploadAssets puts them from
// that artifact into the environment's bucket, never overwriting an object.
type Assets struct {
	// Registry is where the artifacts go (the build role's), as for images.
	Registry string
	// Dir holds the temporary checkouts and extracted files.
	Dir string
	// Remote gives the registry options (credentials from the keychain).
	Remote func(context.Context) []remote.Option
}

// assetsRepo is the repository of a product's assets artifacts. Its dot
// keeps it apart from the services' images: a service name has none.
const assetsRepo = "static.assets"

// PackAssets packs the release's asset directories at its commit and
// pushes them as an artifact tagged with their tree hash, once: the tag
// that exists is the same files, pushed by an earlier release or attempt.
func (a *Assets) PackAssets(ctx context.Context, req contract.PackAssetsRequest) (contract.Assets, error) {
	if a.Registry == "" {
		return contract.Assets{}, badInput("assets of %s: no registry configured; start the worker with --registry (or --dev)", req.Product)
	}
	if len(req.Dirs) == 0 {
		return contract.Assets{}, badInput("assets of %s %s: no directories to pack", req.Product, req.Version)
	}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return contract.Assets{}, err
	}
	dir, err := os.MkdirTemp(a.Dir, req.Product+"-assets-")
	if err != nil {
		return contract.Assets{}, err
	}
	defer os.RemoveAll(dir)
	src, err := git.CheckoutClean(ctx, req.RepoURL, req.Commit, filepath.Join(dir, "src"))
	if err != nil {
		return contract.Assets{}, gitFailure(fmt.Errorf("check out %s at %s: %w", req.RepoURL, req.Commit, err))
	}
	file := filepath.Join(dir, "assets.tar")
	packed, err := assets.Pack(src.Dir, req.Dirs, file)
	if errors.Is(err, assets.ErrInvalid) {
		return contract.Assets{}, badInput("assets of %s %s at %s: %v", req.Product, req.Version, short(req.Commit), err)
	}
	if err != nil {
		return contract.Assets{}, fmt.Errorf("pack the assets of %s %s: %w", req.Product, req.Version, err)
	}
	tag, err := name.NewTag(fmt.Sprintf("%s/%s/%s:%s", a.Registry, req.Product, assetsRepo, assets.Tag(packed.Tree)), name.Insecure)
	if err != nil {
		return contract.Assets{}, badInput("assets of %s: artifact name: %v", req.Product, err)
	}
	opts := a.Remote(ctx)
	log := activity.GetLogger(ctx)
	var ref name.Digest
	if desc, err := remote.Head(tag, opts...); err == nil {
		ref = tag.Context().Digest(desc.Digest.String())
		log.Info("assets already pushed", "artifact", ref.String(), "files", len(packed.Files))
	} else {
		img, err := assets.Image(file, packed)
		if err != nil {
			return contract.Assets{}, err
		}
		activity.RecordHeartbeat(ctx, "pushing "+tag.String())
		ref, err = artifact.Push(ctx, img, tag, opts...)
		var exists *artifact.TagExistsError
		if errors.As(err, &exists) {
			return contract.Assets{}, permanent(contract.ErrConflict, err)
		}
		if err != nil {
			return contract.Assets{}, fmt.Errorf("push the assets of %s %s: %w", req.Product, req.Version, err)
		}
		log.Info("assets pushed", "artifact", ref.String(), "files", len(packed.Files))
	}
	out := contract.Assets{Ref: ref.String(), Tree: packed.Tree, Files: make([]contract.AssetFile, len(packed.Files))}
	for i, f := range packed.Files {
		out.Files[i] = contract.AssetFile(f)
	}
	return out, nil
}

// UploadAssets pulls the release's assets artifact by digest, checks
// every file against the release's manifest, and writes each to the
// environment's bucket as PREFIX/TREE/PATH: an object that holds the same
// content already is skipped (so a retry writes nothing twice), and one
// that holds other content refuses the upload before anything is written.
// The bucket's credentials are this worker's own (its environment, a
// profile, an instance role); none travels in the request.
func (a *Assets) UploadAssets(ctx context.Context, req contract.UploadAssetsRequest) (contract.AssetUpload, error) {
	b := req.Bucket
	if b.Bucket == "" {
		return contract.AssetUpload{}, badInput("assets of %s %s on %s: no bucket given", req.Product, req.Version, req.Env)
	}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return contract.AssetUpload{}, err
	}
	dir, err := os.MkdirTemp(a.Dir, req.Product+"-"+req.Env+"-assets-")
	if err != nil {
		return contract.AssetUpload{}, err
	}
	defer os.RemoveAll(dir)
	files := make([]assets.File, len(req.Assets.Files))
	for i, f := range req.Assets.Files {
		files[i] = assets.File(f)
	}
	if assets.TreeHash(files) != req.Assets.Tree {
		return contract.AssetUpload{}, badInput("assets of %s %s: the manifest's files do not hash to its tree %s", req.Product, req.Version, req.Assets.Tree)
	}
	activity.RecordHeartbeat(ctx, "pulling "+req.Assets.Ref)
	err = assets.Fetch(req.Assets.Ref, files, dir, a.Remote(ctx)...)
	if errors.Is(err, assets.ErrInvalid) {
		return contract.AssetUpload{}, permanent(contract.ErrRefused, fmt.Errorf("assets of %s %s: %w", req.Product, req.Version, err))
	}
	if err != nil {
		return contract.AssetUpload{}, err
	}
	bucket, err := assets.Open(ctx, assets.Where{Bucket: b.Bucket, Endpoint: b.Endpoint, Region: b.Region})
	if errors.Is(err, assets.ErrInvalid) {
		return contract.AssetUpload{}, badInput("assets of %s %s on %s: %v", req.Product, req.Version, req.Env, err)
	}
	if err != nil {
		return contract.AssetUpload{}, err
	}
	done := 0
	up, err := assets.Upload(ctx, bucket, b.Prefix, req.Assets.Tree, files, dir, func(key string) {
		done++
		activity.RecordHeartbeat(ctx, fmt.Sprintf("%d of %d: %s", done, len(files), key))
	})
	var conflict *assets.ConflictError
	if errors.As(err, &conflict) {
		return contract.AssetUpload{}, permanent(contract.ErrConflict, fmt.Errorf("assets of %s %s on %s: %w", req.Product, req.Version, req.Env, err))
	}
	if err != nil {
		return contract.AssetUpload{}, fmt.Errorf("assets of %s %s on %s: %w", req.Product, req.Version, req.Env, err)
	}
	prefix := assets.Key(b.Prefix, req.Assets.Tree, "") + "/"
	activity.GetLogger(ctx).Info("assets uploaded", "product", req.Product, "version", req.Version, "env", req.Env,
		"bucket", b.Bucket, "prefix", prefix, "written", up.Written, "skipped", up.Skipped)
	return contract.AssetUpload{Env: req.Env, Bucket: b.Bucket, Prefix: prefix, Endpoint: b.Endpoint, Written: up.Written, Skipped: up.Skipped}, nil
}
