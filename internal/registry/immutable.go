package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/distribution/distribution/v3"
	"github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// maxManifestSize is distribution's own limit on a manifest PUT, so every
// manifest it would accept is checked here.
const maxManifestSize = 4 << 20

// mutableTag matches the tags that clients rewrite by design, which must
// therefore stay mutable; every other tag is immutable.
//
// Cosign keeps an image's signatures, attestations and SBOM in manifests
// tagged after the image digest (sha256-<hex>.sig, .att, .sbom), and pushes
// a new manifest to the same tag each time it adds a signature or an
// attestation. Clients that follow the OCI 1.1 referrers tag schema do the
// same with the bare sha256-<hex> tag, since this registry has no referrers
// API. None of these tags names a release, so moving them is safe.
var mutableTag = regexp.MustCompile(`^(sha256-[0-9a-f]{64}|sha512-[0-9a-f]{128})(\.sig|\.att|\.sbom)?$`)

// tagGuard makes tags immutable: it refuses, with 409 Conflict and a
// TAG_INVALID registry error, a manifest PUT to a tag that already points
// at another manifest. Pushing the same manifest again, and pushing by
// digest, pass.
type tagGuard struct {
	next http.Handler
	tags distribution.Namespace // the storage next serves
	// mu serialises tagged manifest PUTs, so two pushes cannot both find
	// a tag free and both move it.
	mu sync.Mutex
}

func (g *tagGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, tag, ok := manifestTag(r.URL.Path)
	if r.Method != http.MethodPut || !ok || mutableTag.MatchString(tag) {
		g.next.ServeHTTP(w, r)
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxManifestSize))
	if err != nil {
		writeError(w, http.StatusBadRequest, errcode.ErrorCodeManifestInvalid.WithDetail(
			fmt.Sprintf("reading manifest (at most %d bytes): %v", maxManifestSize, err)))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	pushed := digest.FromBytes(body)

	g.mu.Lock()
	defer g.mu.Unlock()
	current, err := g.current(r.Context(), repo, tag)
	if err != nil {
		writeError(w, http.StatusInternalServerError, errcode.ErrorCodeUnknown.WithMessage(
			fmt.Sprintf("reading tag %s:%s: %v", repo, tag, err)))
		return
	}
	if current != "" && current != pushed {
		writeError(w, http.StatusConflict, errcode.ErrorCodeTagInvalid.WithMessage(
			fmt.Sprintf("tag %s:%s already points at %s; tags are immutable, push a new tag", repo, tag, current)).
			WithDetail(map[string]string{"tag": tag, "current": current.String(), "pushed": pushed.String()}))
		return
	}
	g.next.ServeHTTP(w, r)
}

// current returns the digest tag points at in repo, or "" if the tag is
// free or the name is one distribution will refuse anyway.
func (g *tagGuard) current(ctx context.Context, repo, tag string) (digest.Digest, error) {
	named, err := reference.WithName(repo)
	if err != nil {
		return "", nil
	}
	r, err := g.tags.Repository(ctx, named)
	if err != nil {
		return "", err
	}
	desc, err := r.Tags(ctx).Get(ctx, tag)
	var unknown distribution.ErrTagUnknown
	if errors.As(err, &unknown) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return desc.Digest, nil
}

// manifestTag splits a /v2/<name>/manifests/<tag> path. It reports false for
// other paths and for manifests addressed by digest.
func manifestTag(path string) (repo, tag string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", "", false
	}
	// A repository name may itself contain a "manifests" component; a tag
	// never contains "/", so the last separator is the right one.
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	repo, tag = rest[:i], rest[i+len("/manifests/"):]
	if tag == "" || strings.ContainsAny(tag, "/:") {
		return "", "", false
	}
	return repo, tag, true
}

// writeError writes a registry error body, as distribution does.
func writeError(w http.ResponseWriter, status int, err errcode.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errcode.Errors{err})
}
