package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// assetsOn reports whether the release carries static assets at all:
// releases recorded before them replay without the steps.
func assetsOn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, "assets", workflow.DefaultVersion, 1) == 1
}

// packAssets, once the images are built, packs the pipeline's asset
// directories at the tagged commit into an artifact and records its
// manifest in the release's status.
func (r *release) packAssets(ctx workflow.Context) error {
	p := r.in.Pipeline
	if len(p.Assets) == 0 || !assetsOn(ctx) {
		return nil
	}
	var a contract.Assets
	err := run(ctx, contract.PackAssetsName, contract.PackAssetsRequest{
		Product: p.Product,
		Version: r.in.Version,
		Commit:  r.st.Commit,
		RepoURL: p.Repository.URL,
		Dirs:    p.Assets,
	}, &a)
	if err != nil {
		return err
	}
	r.st.Assets = &a
	r.addDetail(ctx, StageBuild, fmt.Sprintf("%d static asset file(s) packed (tree %s)", len(a.Files), shortTree(a.Tree)))
	return nil
}

// uploadAssets, once env runs the release's services, puts the release's
// static assets in env's bucket, when it names one, and records where
// they went. The deploy worker of env writes them with its own
// credentials; an object that holds other content fails the stage.
func (r *release) uploadAssets(ctx workflow.Context, stage, env string) error {
	b := r.in.Pipeline.Environments[env].Assets
	if b == nil || r.st.Assets == nil || !assetsOn(ctx) {
		return nil
	}
	a := *r.st.Assets
	a.Uploads = nil
	var up contract.AssetUpload
	err := runIn(ctx, env, contract.UploadAssetsName, contract.UploadAssetsRequest{
		Product: r.in.Pipeline.Product,
		Version: r.in.Version,
		Env:     env,
		Bucket:  *b,
		Assets:  a,
	}, &up)
	if err != nil {
		return err
	}
	r.st.Assets.Uploads = append(r.st.Assets.Uploads, up)
	r.addDetail(ctx, stage, fmt.Sprintf("static assets in %s (%d written, %d there already)", assetsURL(up), up.Written, up.Skipped))
	return nil
}

// addDetail adds more to what a stage did.
func (r *release) addDetail(ctx workflow.Context, stage, more string) {
	if d := r.st.stage(stage).Detail; d != "" {
		more = d + "; " + more
	}
	r.detail(ctx, stage, more)
}

// assetsNotes is the release notes' section of the static assets: where
// each environment's copy is, and every file; empty without assets.
func assetsNotes(st Status) string {
	a := st.Assets
	if a == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Static assets\n\n%d file(s), tree %s", len(a.Files), a.Tree)
	if len(a.Uploads) == 0 {
		b.WriteString(", uploaded nowhere")
	}
	b.WriteString("\n\n")
	for _, up := range a.Uploads {
		fmt.Fprintf(&b, "- %s: %s (%d written, %d there already)\n", up.Env, assetsURL(up), up.Written, up.Skipped)
	}
	if len(a.Uploads) > 0 {
		b.WriteString("\n")
	}
	for _, f := range a.Files {
		fmt.Fprintf(&b, "- `%s` (%d bytes, SHA-256 %s)\n", f.Path, f.Size, shortTree(f.SHA256))
	}
	return b.String()
}

// assetsURL is where an upload put the assets: s3://bucket/prefix/, and
// the store's endpoint when it is not AWS S3.
func assetsURL(up contract.AssetUpload) string {
	u := "s3://" + up.Bucket + "/" + up.Prefix
	if up.Endpoint != "" {
		u += " at " + up.Endpoint
	}
	return u
}

// shortTree is the first 12 digits of a hash, as people read it.
func shortTree(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
