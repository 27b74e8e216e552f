package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// GCInput prunes a product's old releases as its pipeline's retention says.
type GCInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	// DryRun reports what would go and removes nothing.
	DryRun bool   `json:"dryRun,omitempty"`
	By     string `json:"by,omitempty"`
}

// GCResult is what a garbage collection kept, removed and freed.
type GCResult struct {
	Product string          `json:"product"`
	DryRun  bool            `json:"dryRun,omitempty"`
	Kept    []contract.Kept `json:"kept"`
	// Dropped are the releases whose images went (or would go).
	Dropped []string `json:"dropped,omitempty"`
	// Pruned is what each role removed: "registry", "deploy:ENV", "checkouts".
	Pruned map[string]contract.PruneResult `json:"pruned"`
	// Bytes is the space freed where it is known.
	Bytes int64 `json:"bytes"`
	// Failed are the prunes that failed; the others went on.
	Failed []string `json:"failed,omitempty"`
}

// GCID is the workflow ID of a product's garbage collection: one at a time.
func GCID(product string) string { return "gc/" + product }

// GCWorkflow prunes what a product's old releases left: it keeps what runs
// in any environment, what a rollback could return to, releases under way
// and the latest retention.releases releases (contract.Retain), and has
// each role remove the rest of what it holds: the deployers of every
// environment their unpacked and pulled images, the builder the images in
// the registry with their signatures and attestations (and the blobs they
// alone used, on the embedded registry), the source role leftover
// checkouts. A prune that fails is reported and the others go on.
func GCWorkflow(ctx workflow.Context, in GCInput) (GCResult, error) {
	p := in.Pipeline
	res := GCResult{Product: p.Product, DryRun: in.DryRun, Pruned: map[string]contract.PruneResult{}}
	if p.Product == "" || p.Retention.Releases < 1 {
		return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("gc of %q: the pipeline must name a product and keep at least one release", p.Product), ErrInvalid, nil)
	}
	var releases []contract.ReleaseImages
	if err := run(ctx, contract.ListReleasesName, contract.ListReleasesRequest{Product: p.Product}, &releases); err != nil {
		return res, err
	}
	var envs []contract.EnvState
	var followRunning []string
	var repos []string
	addRepo := func(a contract.Artifact) {
		if repo, _, _ := strings.Cut(a.Ref(), "@"); repo != "" && !slices.Contains(repos, repo) {
			repos = append(repos, repo)
		}
	}
	for _, env := range p.Followers() {
		var st contract.EnvState
		if err := run(ctx, contract.ReadEnvName, contract.ReadEnvRequest{Product: p.Product, Env: env}, &st); err != nil {
			return res, err
		}
		for _, r := range st.Running {
			followRunning = append(followRunning, r.Artifact.Digest)
			addRepo(r.Artifact)
		}
	}
	for _, env := range p.EnvNames() {
		var st contract.EnvState
		if err := run(ctx, contract.ReadEnvName, contract.ReadEnvRequest{Product: p.Product, Env: env}, &st); err != nil {
			return res, err
		}
		envs = append(envs, st)
	}
	kept, dropped := contract.Retain(releases, envs, p.Retention.Releases)
	res.Kept = kept
	var arts []contract.Artifact
	var digests []string
	for _, d := range dropped {
		for _, a := range d.Artifacts {
			arts = append(arts, a)
			if !slices.Contains(digests, a.Digest) {
				digests = append(digests, a.Digest)
			}
		}
	}
	prune := func(key, env, name string, req any) {
		var pr contract.PruneResult
		if err := runIn(ctx, env, name, req, &pr); err != nil {
			res.Failed = append(res.Failed, key+": "+cause(err))
		}
		res.Pruned[key] = pr
		res.Bytes += pr.Bytes
	}
	// Deployers first: an image goes from where it runs before it goes
	// from the registry.
	for _, env := range p.EnvNames() {
		prune("deploy:"+env, env, contract.PruneDeployName, contract.PruneDeployRequest{Product: p.Product, Env: env, Delete: digests, DryRun: in.DryRun})
	}
	images := contract.PruneImagesRequest{Product: p.Product, Delete: arts, OlderThan: p.Retention.Checkouts, DryRun: in.DryRun}
	if len(p.Followers()) > 0 {
		// Builds of the followed branch are no releases: the registry
		// lists them by tag, and the latest are kept like releases.
		for _, rel := range releases {
			for _, a := range rel.Artifacts {
				addRepo(a)
			}
		}
		images.Follow, images.FollowKeep, images.FollowRunning, images.Repos = p.Repository.MainBranch, p.Retention.Releases, followRunning, repos
	}
	prune("registry", "", contract.PruneImagesName, images)
	// The follow builds the registry let go go from the deployers too.
	if len(p.Followers()) > 0 {
		var gone []string
		for _, d := range res.Pruned["registry"].Digests {
			if !slices.Contains(digests, d) {
				gone = append(gone, d)
			}
		}
		if len(gone) > 0 {
			for _, env := range p.Followers() {
				prune("follow builds on "+env, env, contract.PruneDeployName, contract.PruneDeployRequest{Product: p.Product, Env: env, Delete: gone, DryRun: in.DryRun})
			}
		}
	}
	prune("checkouts", "", contract.PruneCheckoutsName, contract.PruneCheckoutsRequest{Product: p.Product, OlderThan: p.Retention.Checkouts, DryRun: in.DryRun})
	// A dropped release counts once something of it went: one pruned
	// before has nothing left.
	went := map[string]bool{}
	for _, pr := range res.Pruned {
		for _, d := range pr.Digests {
			went[d] = true
		}
	}
	for _, d := range dropped {
		if slices.ContainsFunc(d.Artifacts, func(a contract.Artifact) bool { return went[a.Digest] }) {
			res.Dropped = append(res.Dropped, d.Version)
		}
	}
	workflow.GetLogger(ctx).Info("gc done", "product", p.Product, "dryRun", in.DryRun, "dropped", res.Dropped, "bytes", res.Bytes, "failed", len(res.Failed))
	return res, nil
}
