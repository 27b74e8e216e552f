package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
)

// ListReleases lists a product's releases with the images each built, as
// the memo of the release's workflow records them. A release that built
// nothing (or before the memo existed) is left out: nothing of it is ever
// pruned.
func (e *Envs) ListReleases(ctx context.Context, req contract.ListReleasesRequest) ([]contract.ReleaseImages, error) {
	if req.Product == "" {
		return nil, badInput("list releases: no product")
	}
	query := fmt.Sprintf("WorkflowType = 'ReleaseWorkflow' AND SignalmanProduct = '%s'", req.Product)
	var out []contract.ReleaseImages
	var token []byte
	for {
		resp, err := e.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list releases of %s: %w", req.Product, err)
		}
		for _, ex := range resp.GetExecutions() {
			p, ok := ex.GetMemo().GetFields()["images"]
			if !ok {
				continue
			}
			var refs map[string]string
			if err := converter.GetDefaultDataConverter().FromPayload(p, &refs); err != nil {
				return nil, fmt.Errorf("release %s: its images memo: %w", ex.GetExecution().GetWorkflowId(), err)
			}
			rel := contract.ReleaseImages{
				Version:   ex.GetExecution().GetWorkflowId()[strings.LastIndex(ex.GetExecution().GetWorkflowId(), "/")+1:],
				Running:   ex.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
				Succeeded: ex.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
			}
			for service, ref := range refs {
				repo, digest, ok := strings.Cut(ref, "@")
				if !ok {
					continue
				}
				rel.Artifacts = append(rel.Artifacts, contract.Artifact{Service: service, Image: repo, Digest: digest})
			}
			out = append(out, rel)
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// PruneImages deletes release images from the registry by digest, with
// the signatures, attestations and SBOMs cosign keeps beside them, then
// asks the embedded registry to free the blobs no manifest references (a
// real registry does that with its own garbage collection). It also
// removes build checkouts left behind by killed builds.
func (b *Builder) PruneImages(ctx context.Context, req contract.PruneImagesRequest) (contract.PruneResult, error) {
	var res contract.PruneResult
	hosts := map[string]bool{}
	follow, err := b.followBuilds(ctx, req)
	if err != nil {
		return res, err
	}
	for _, a := range append(slices.Clone(req.Delete), follow...) {
		ref, err := name.NewDigest(a.Ref(), name.Insecure)
		if err != nil {
			return res, badInput("prune %s: %v", a.Ref(), err)
		}
		if !strings.HasPrefix(ref.RepositoryStr(), req.Product+"/") {
			return res, badInput("prune %s: not an image of %s", a.Ref(), req.Product)
		}
		hosts[ref.RegistryStr()] = true
		targets := []name.Reference{ref}
		hex := strings.TrimPrefix(ref.DigestStr(), "sha256:")
		for _, suffix := range []string{".sig", ".att", ".sbom"} {
			tag := ref.Context().Tag("sha256-" + hex + suffix)
			desc, err := remote.Head(tag, b.Remote(ctx)...)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return res, fmt.Errorf("prune %s: look up %s: %w", a.Ref(), tag, err)
			}
			targets = append(targets, ref.Context().Digest(desc.Digest.String()))
		}
		if _, err := remote.Head(ref, b.Remote(ctx)...); isNotFound(err) {
			continue // gone already, with what cosign kept beside it
		} else if err != nil {
			return res, fmt.Errorf("prune %s: %w", a.Ref(), err)
		}
		for _, t := range targets {
			if !req.DryRun {
				err := remote.Delete(t, b.Remote(ctx)...)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					return res, fmt.Errorf("prune %s: delete %s: %w", a.Ref(), t, err)
				}
			}
			res.Removed = append(res.Removed, "registry "+t.String())
		}
		res.Digests = append(res.Digests, a.Digest)
	}
	for host := range hosts {
		freed, note := collectGarbage(ctx, host, req.DryRun)
		res.Bytes += freed
		if note != "" {
			res.Notes = append(res.Notes, note)
		}
	}
	left, bytes, err := pruneOld(b.Dir, req.OlderThan, nil, req.DryRun)
	res.Removed, res.Bytes = append(res.Removed, left...), res.Bytes+bytes
	return res, err
}

// followTag matches the tag of a build of a followed branch.
var followTag = regexp.MustCompile(`^(.+)-[0-9a-f]{7}-build\.([0-9]+)$`)

// followBuilds lists the builds of the followed branch to delete: in each
// repository, all but the latest FollowKeep (by build number) and those
// that run.
func (b *Builder) followBuilds(ctx context.Context, req contract.PruneImagesRequest) ([]contract.Artifact, error) {
	if req.Follow == "" {
		return nil, nil
	}
	var out []contract.Artifact
	for _, r := range req.Repos {
		repo, err := name.NewRepository(r, name.Insecure)
		if err != nil {
			return nil, badInput("prune builds of %s: repository %q: %v", req.Follow, r, err)
		}
		if !strings.HasPrefix(repo.RepositoryStr(), req.Product+"/") {
			return nil, badInput("prune builds of %s: %s is not a repository of %s", req.Follow, r, req.Product)
		}
		tags, err := remote.List(repo, b.Remote(ctx)...)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("prune builds of %s: list %s: %w", req.Follow, repo, err)
		}
		type build struct {
			tag    string
			number int
		}
		var builds []build
		for _, t := range tags {
			m := followTag.FindStringSubmatch(t)
			if m == nil || m[1] != req.Follow {
				continue
			}
			n, _ := strconv.Atoi(m[2])
			builds = append(builds, build{t, n})
		}
		slices.SortFunc(builds, func(x, y build) int { return y.number - x.number })
		for i, bd := range builds {
			if i < req.FollowKeep {
				continue
			}
			desc, err := remote.Head(repo.Tag(bd.tag), b.Remote(ctx)...)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("prune builds of %s: %s: %w", req.Follow, bd.tag, err)
			}
			if slices.Contains(req.FollowRunning, desc.Digest.String()) {
				continue
			}
			out = append(out, contract.Artifact{Image: repo.String(), Digest: desc.Digest.String()})
		}
	}
	return out, nil
}

// collectGarbage asks the embedded registry at host to free the blobs no
// manifest references and returns the bytes it freed; any other registry
// gets a note instead.
func collectGarbage(ctx context.Context, host string, dryRun bool) (int64, string) {
	url := "http://" + host + "/signalman/gc"
	if dryRun {
		url += "?dry_run=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Sprintf("%s: blobs are freed by the registry's own garbage collection (%v)", host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Sprintf("%s: blobs are freed by the registry's own garbage collection (it answered %s)", host, resp.Status)
	}
	var gc struct {
		Blobs int   `json:"blobs"`
		Bytes int64 `json:"bytes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&gc); err != nil {
		return 0, fmt.Sprintf("%s: garbage collection answered: %v", host, err)
	}
	return gc.Bytes, fmt.Sprintf("%s: %d blob(s) freed", host, gc.Blobs)
}

// isNotFound reports a registry's 404.
func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// PruneDeploy removes what this deployer's targets keep of the images of
// dropped releases: unpacked file systems, pulled images. Images an
// instance still runs are kept.
func (d *Deployer) PruneDeploy(ctx context.Context, req contract.PruneDeployRequest) (contract.PruneResult, error) {
	var res contract.PruneResult
	for _, t := range d.Targets {
		p, ok := t.(deploy.Pruner)
		if !ok {
			continue
		}
		removed, digests, bytes, err := p.PruneImages(ctx, req.Delete, req.DryRun)
		res.Removed, res.Digests, res.Bytes = append(res.Removed, removed...), append(res.Digests, digests...), res.Bytes+bytes
		if err != nil {
			return res, fmt.Errorf("prune images on %s: %w", req.Env, err)
		}
	}
	return res, nil
}

// Checkouts are the directories where source activities check out, and
// where a killed worker leaves checkouts behind.
type Checkouts struct {
	// Tests holds test checkouts; Repos the working copies, whose
	// temporary clones (PRODUCT.clone-*) are pruned, never the copies.
	Tests, Repos string
}

// PruneCheckouts removes test checkouts and temporary clones left behind
// longer than OlderThan ago.
func (c *Checkouts) PruneCheckouts(ctx context.Context, req contract.PruneCheckoutsRequest) (contract.PruneResult, error) {
	var res contract.PruneResult
	removed, bytes, err := pruneOld(c.Tests, req.OlderThan, nil, req.DryRun)
	res.Removed, res.Bytes = removed, bytes
	if err != nil {
		return res, err
	}
	clone := func(n string) bool { return strings.Contains(n, ".clone-") }
	removed, bytes, err = pruneOld(c.Repos, req.OlderThan, clone, req.DryRun)
	res.Removed, res.Bytes = append(res.Removed, removed...), res.Bytes+bytes
	return res, err
}

// pruneOld removes the entries of dir (those match accepts, or all) last
// changed more than olderThan ago.
func pruneOld(dir string, olderThan time.Duration, match func(string) bool, dryRun bool) ([]string, int64, error) {
	if dir == "" || olderThan <= 0 {
		return nil, 0, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	cutoff := time.Now().Add(-olderThan)
	var removed []string
	var freed int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) || (match != nil && !match(e.Name())) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		size := info.Size()
		if e.IsDir() {
			size, _ = deploy.DirSize(path)
		}
		if !dryRun {
			if err := os.RemoveAll(path); err != nil {
				return removed, freed, err
			}
		}
		removed = append(removed, "checkout "+e.Name())
		freed += size
	}
	return removed, freed, nil
}
