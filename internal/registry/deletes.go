package registry

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/distribution/distribution/v3/registry/api/errcode"
)

// deleteGuard lets retention delete manifests by digest and refuses, with
// 405 Method Not Allowed and an UNSUPPORTED registry error, a DELETE of a
// tag or of a blob.
//
// Deleting a tag would free it for other content, which would defeat
// immutable tags. Deleting a blob directly could break an image that still
// uses it; CollectGarbage frees exactly the blobs no manifest references.
// Cancelling a blob upload deletes nothing stored, so it passes.
type deleteGuard struct {
	next http.Handler
}

func (g deleteGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodDelete {
		if reason, allow := refusedDelete(r.URL.Path); reason != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, errcode.ErrorCodeUnsupported.WithMessage(reason))
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// refusedDelete returns why a DELETE of path is refused, and the methods
// path allows instead, or "" if the DELETE may pass.
func refusedDelete(path string) (reason, allow string) {
	if repo, tag, ok := manifestTag(path); ok {
		return fmt.Sprintf("tag %s:%s cannot be deleted: tags are immutable; "+
			"delete the manifest by digest (DELETE /v2/%s/manifests/sha256:...) and let garbage collection free its blobs",
			repo, tag, repo), "GET, HEAD, PUT"
	}
	if repo, blob, ok := blobDigest(path); ok {
		return fmt.Sprintf("blob %s in %s cannot be deleted directly: "+
			"delete the manifests that use it by digest (DELETE /v2/%s/manifests/sha256:...) and let garbage collection free blobs no manifest references",
			blob, repo, repo), "GET, HEAD"
	}
	return "", ""
}

// blobDigest splits a /v2/<name>/blobs/<digest> path. It reports false for
// other paths, blob uploads (/v2/<name>/blobs/uploads/...) included.
func blobDigest(path string) (repo, blob string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", "", false
	}
	// As in manifestTag: a digest never contains "/", so the last
	// separator is the right one.
	i := strings.LastIndex(rest, "/blobs/")
	if i <= 0 {
		return "", "", false
	}
	repo, blob = rest[:i], rest[i+len("/blobs/"):]
	if !strings.Contains(blob, ":") || strings.Contains(blob, "/") {
		return "", "", false
	}
	return repo, blob, true
}
