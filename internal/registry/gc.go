package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/distribution/distribution/v3/registry/storage"
	storagedriver "github.com/distribution/distribution/v3/registry/storage/driver"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// GCPath is where the registry's handler runs CollectGarbage: POST it, with
// ?dry_run=1 to only count, and it answers with the GCResult as JSON. It
// lets a process that knows only the registry's host collect garbage;
// other registries answer 404 there.
const GCPath = "/signalman/gc"

// GCResult is what a garbage collection deleted or, on a dry run, would
// have deleted.
type GCResult struct {
	// Blobs is the number of blobs.
	Blobs int `json:"blobs"`
	// Bytes is their total size.
	Bytes int64 `json:"bytes"`
	// DryRun is true for a dry run, which deletes nothing.
	DryRun bool `json:"dryRun"`
}

// CollectGarbage deletes the blobs that no stored manifest references,
// with the repositories' links to them, and reports what it deleted. With
// dryRun it deletes nothing and reports what it would delete.
//
// Every stored manifest is kept, tagged or not: an image goes only when its
// manifest is deleted by digest. CollectGarbage waits for the write
// requests in flight and holds new ones until it is done, so it never
// sweeps in the middle of one.
func (r *Registry) CollectGarbage(ctx context.Context, dryRun bool) (GCResult, error) {
	r.gc.Lock()
	defer r.gc.Unlock()

	// distribution's storage.MarkAndSweep with RemoveUntagged false does
	// the same, but tells what it deletes only by printing to stdout; so
	// this marks and sweeps alike itself, to report what it deleted.
	used, links, err := r.mark(ctx)
	if err != nil {
		return GCResult{DryRun: dryRun}, fmt.Errorf("registry %s: garbage collection: %w", r.host, err)
	}
	res, err := r.sweep(ctx, used, links, dryRun)
	if err != nil {
		return res, fmt.Errorf("registry %s: garbage collection (%d blobs, %d bytes deleted): %w", r.host, res.Blobs, res.Bytes, err)
	}
	if !dryRun {
		r.logger.Info("registry collected garbage", "registry", r.host, "blobs", res.Blobs, "bytes", res.Bytes)
	}
	return res, nil
}

// mark returns the blobs that stored manifests use, the manifests
// themselves included, and the layer links of each repository.
//
// A manifest's references are marked without reading those that are
// manifests in turn (the images of an index): a manifest stored in a
// repository is one of its revisions, and every revision is read anyway.
func (r *Registry) mark(ctx context.Context) (used map[digest.Digest]bool, links map[string][]digest.Digest, err error) {
	var names []string
	err = r.store.(distribution.RepositoryEnumerator).Enumerate(ctx, func(name string) error {
		names = append(names, name)
		return nil
	})
	if err != nil && !notFound(err) {
		return nil, nil, fmt.Errorf("list repositories: %w", err)
	}

	used = make(map[digest.Digest]bool)
	links = make(map[string][]digest.Digest)
	for _, name := range names {
		named, err := reference.WithName(name)
		if err != nil {
			return nil, nil, fmt.Errorf("repository %s: %w", name, err)
		}
		repo, err := r.store.Repository(ctx, named)
		if err != nil {
			return nil, nil, fmt.Errorf("repository %s: %w", name, err)
		}
		manifests, err := repo.Manifests(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("repository %s: %w", name, err)
		}
		revisions, err := digests(ctx, manifests.(enumerator))
		if err != nil {
			return nil, nil, fmt.Errorf("list manifests of %s: %w", name, err)
		}
		for _, d := range revisions {
			m, err := manifests.Get(ctx, d)
			if err != nil {
				return nil, nil, fmt.Errorf("read manifest %s@%s: %w", name, d, err)
			}
			used[d] = true
			for _, ref := range m.References() {
				used[ref.Digest] = true
			}
		}
		// distribution's store of a repository's blobs lists its layer
		// links through the same Enumerate.
		if links[name], err = digests(ctx, repo.Blobs(ctx).(enumerator)); err != nil {
			return nil, nil, fmt.Errorf("list layers of %s: %w", name, err)
		}
	}
	return used, links, nil
}

// sweep removes the blobs that are not used and the links to them, or on a
// dry run only counts the blobs.
func (r *Registry) sweep(ctx context.Context, used map[digest.Digest]bool, links map[string][]digest.Digest, dryRun bool) (GCResult, error) {
	res := GCResult{DryRun: dryRun}
	all, err := digests(ctx, r.store.Blobs())
	if err != nil {
		return res, fmt.Errorf("list blobs: %w", err)
	}
	type blob struct {
		digest digest.Digest
		size   int64
	}
	var unused []blob
	for _, d := range all {
		if used[d] {
			continue
		}
		// A blob stored within the grace may belong to a push whose
		// manifest has not come yet: spare it, and its links.
		if fi, err := r.driver.Stat(ctx, blobDataPath(d)); err == nil && time.Since(fi.ModTime()) < r.grace {
			used[d] = true
			continue
		}
		desc, err := r.store.BlobStatter().Stat(ctx, d)
		if err != nil {
			return res, fmt.Errorf("size of blob %s: %w", d, err)
		}
		unused = append(unused, blob{d, desc.Size})
	}

	vacuum := storage.NewVacuum(ctx, r.driver)
	if !dryRun {
		// Links go first: distribution lists only the links whose blob is
		// there, so a link left behind by a sweep that stopped halfway
		// would never be found again.
		for name, ds := range links {
			for _, d := range ds {
				if used[d] {
					continue
				}
				if err := vacuum.RemoveLayer(name, d); err != nil {
					return res, fmt.Errorf("remove link %s@%s: %w", name, d, err)
				}
			}
		}
	}
	for _, b := range unused {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !dryRun {
			if err := vacuum.RemoveBlob(b.digest.String()); err != nil {
				return res, fmt.Errorf("remove blob %s: %w", b.digest, err)
			}
		}
		res.Blobs++
		res.Bytes += b.size
	}
	return res, nil
}

// blobDataPath is where distribution's storage keeps a blob's content.
func blobDataPath(d digest.Digest) string {
	hex := d.Encoded()
	return fmt.Sprintf("/docker/registry/v2/blobs/%s/%s/%s/data", d.Algorithm(), hex[:2], hex)
}

// enumerator is how distribution's stores list the digests they hold.
type enumerator interface {
	Enumerate(ctx context.Context, ingest func(digest.Digest) error) error
}

// digests lists the digests e holds.
func digests(ctx context.Context, e enumerator) ([]digest.Digest, error) {
	var ds []digest.Digest
	err := e.Enumerate(ctx, func(d digest.Digest) error {
		ds = append(ds, d)
		return nil
	})
	if err != nil && !notFound(err) {
		return nil, err
	}
	return ds, nil
}

// notFound reports whether err is distribution's way of saying that a
// directory it lists is missing: nothing of the kind was ever stored.
// Nothing else deletes from storage while CollectGarbage runs.
func notFound(err error) bool {
	var nf storagedriver.PathNotFoundError
	return errors.As(err, &nf)
}

// holdOffGC makes each write request to next hold r.gc for reading, so
// that CollectGarbage waits for it.
func (r *Registry) holdOffGC(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.Method {
		case http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete:
			r.gc.RLock()
			defer r.gc.RUnlock()
		}
		next.ServeHTTP(w, req)
	})
}

// serveGC runs CollectGarbage for a POST to GCPath.
func (r *Registry) serveGC(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, errcode.ErrorCodeUnsupported.WithMessage(
			fmt.Sprintf("garbage collection runs on POST %s (add ?dry_run=1 to only count)", GCPath)))
		return
	}
	dryRun := false
	if v := req.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, errcode.ErrorCodeUnsupported.WithMessage(
				fmt.Sprintf("dry_run=%q: use dry_run=1 to only count, or leave it out to delete", v)))
			return
		}
		dryRun = b
	}
	res, err := r.CollectGarbage(req.Context(), dryRun)
	if err != nil {
		writeError(w, http.StatusInternalServerError, errcode.ErrorCodeUnknown.WithMessage(err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res)
}
