package registry_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/signalman/signalman/internal/registry"
)

func TestCollectGarbage(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir, nil)
	first, second := pushReleases(t, r)
	deleteByDigest(t, r, first)
	gone, size := ownBlobs(t, first)

	// The rows run in order, on one registry.
	tests := []struct {
		name   string
		dryRun bool
		want   registry.GCResult
		stored bool // whether the first image's own blobs are still stored
	}{
		{"dry run counts the deleted image's own blobs", true, registry.GCResult{Blobs: len(gone), Bytes: size, DryRun: true}, true},
		{"deletes exactly those", false, registry.GCResult{Blobs: len(gone), Bytes: size}, false},
		{"then nothing is left to collect", false, registry.GCResult{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.CollectGarbage(t.Context(), tt.dryRun)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			for _, d := range gone {
				if stored(t, dir, d) != tt.stored {
					t.Errorf("blob %s stored: %t, want %t", d, !tt.stored, tt.stored)
				}
			}
			pullFully(t, r, secondTag, second)
		})
	}

	// A deleted blob must not be reported as present, or a push would skip it.
	own := layerDigest(t, first, 1)
	if resp, _ := send(t, http.MethodHead, r, "/v2/shop/api/blobs/"+own.String(), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of a collected layer: %s, want 404", resp.Status)
	}
	const again = "shop/api:v1.0.1-build.3-ccccccc"
	push(t, ref(t, r, again), first)
	pullFully(t, r, again, first)
}

func TestCollectGarbageKeeps(t *testing.T) {
	tests := []struct {
		name string
		push func(t *testing.T, r *registry.Registry)
	}{
		{"nothing on empty storage", func(*testing.T, *registry.Registry) {}},
		{"tagged images", func(t *testing.T, r *registry.Registry) { pushReleases(t, r) }},
		{"untagged images", func(t *testing.T, r *registry.Registry) {
			img := randomImage(t)
			push(t, ref(t, r, "shop/api@"+digest(t, img).String()), img)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(t, t.TempDir(), nil)
			tt.push(t, r)
			got, err := r.CollectGarbage(t.Context(), false)
			if err != nil {
				t.Fatal(err)
			}
			if got != (registry.GCResult{}) {
				t.Errorf("collected %+v, want nothing", got)
			}
		})
	}
}

func TestGCEndpoint(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	first, _ := pushReleases(t, r)
	deleteByDigest(t, r, first)
	gone, size := ownBlobs(t, first)

	// The rows run in order, on one registry.
	tests := []struct {
		name       string
		method     string
		query      string
		wantStatus int
		want       registry.GCResult // for 200
	}{
		{"dry run", http.MethodPost, "?dry_run=1", http.StatusOK, registry.GCResult{Blobs: len(gone), Bytes: size, DryRun: true}},
		{"collects", http.MethodPost, "", http.StatusOK, registry.GCResult{Blobs: len(gone), Bytes: size}},
		{"nothing left", http.MethodPost, "", http.StatusOK, registry.GCResult{}},
		{"GET is refused", http.MethodGet, "", http.StatusMethodNotAllowed, registry.GCResult{}},
		{"unclear dry_run is refused", http.MethodPost, "?dry_run=maybe", http.StatusBadRequest, registry.GCResult{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, tt.method, r, registry.GCPath+tt.query, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %s, want %d: %s", resp.Status, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			want := map[string]any{"blobs": float64(tt.want.Blobs), "bytes": float64(tt.want.Bytes), "dryRun": tt.want.DryRun}
			if len(got) != len(want) || got["blobs"] != want["blobs"] || got["bytes"] != want["bytes"] || got["dryRun"] != want["dryRun"] {
				t.Errorf("body %s, want %v", body, want)
			}
		})
	}
}

// TestGCWaitsForUploadInFlight holds a push open in the middle of a PATCH
// of layer data, starts a garbage collection, and checks that it waits for
// the PATCH and that the push then completes.
func TestGCWaitsForUploadInFlight(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	first, _ := pushReleases(t, r)
	deleteByDigest(t, r, first)
	gone, size := ownBlobs(t, first)

	layer := randomLayer(t)
	data := compressed(t, layer)
	location := startUpload(t, r, "shop/api")

	body, feed := io.Pipe()
	t.Cleanup(func() { feed.CloseWithError(io.ErrUnexpectedEOF) })
	patch, err := http.NewRequestWithContext(t.Context(), http.MethodPatch, location, body)
	if err != nil {
		t.Fatal(err)
	}
	type response struct {
		resp *http.Response
		err  error
	}
	patched := make(chan response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(patch)
		if err == nil {
			resp.Body.Close()
		}
		patched <- response{resp, err}
	}()
	half := len(data) / 2
	if _, err := feed.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the PATCH to hold off garbage collection", r.WriteInFlight)

	type outcome struct {
		res      registry.GCResult
		err      error
		released bool // whether the PATCH was let finish before garbage collection did
	}
	var released atomic.Bool
	collected := make(chan outcome, 1)
	go func() {
		res, err := r.CollectGarbage(t.Context(), false)
		collected <- outcome{res, err, released.Load()}
	}()
	waitFor(t, "garbage collection to ask for the lock", r.GCPending)
	select {
	case <-collected:
		t.Fatal("garbage collection ran while a PATCH was in flight")
	default:
	}

	if _, err := feed.Write(data[half:]); err != nil {
		t.Fatal(err)
	}
	released.Store(true)
	feed.Close()
	p := <-patched
	if p.err != nil {
		t.Fatalf("PATCH: %v", p.err)
	}
	if p.resp.StatusCode != http.StatusAccepted {
		t.Fatalf("PATCH: %s, want 202", p.resp.Status)
	}
	out := <-collected
	if out.err != nil {
		t.Fatal(out.err)
	}
	if !out.released {
		t.Error("garbage collection finished before the PATCH did")
	}
	if want := (registry.GCResult{Blobs: len(gone), Bytes: size}); out.res != want {
		t.Errorf("collected %+v, want %+v", out.res, want)
	}

	finishUpload(t, r, p.resp.Header.Get("Location"), layer)
	img := image(t, layer)
	const tag = "shop/api:v1.2.0-build.4-ddddddd"
	push(t, ref(t, r, tag), img)
	pullFully(t, r, tag, img)
}

// ownBlobs returns the blobs of an image from pushReleases that the other
// one does not share (its manifest, its config and its own layer), and
// their total size.
func ownBlobs(t *testing.T, img v1.Image) ([]v1.Hash, int64) {
	t.Helper()
	manifest, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	own := m.Layers[1]
	return []v1.Hash{digest(t, img), m.Config.Digest, own.Digest},
		int64(len(manifest)) + m.Config.Size + own.Size
}

// stored reports whether blob d is in the storage under dir.
func stored(t *testing.T, dir string, d v1.Hash) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(dir, "docker/registry/v2/blobs", d.Algorithm, d.Hex[:2], d.Hex, "data"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// pullFully pulls s, checks that it is want, and reads and verifies every
// layer.
func pullFully(t *testing.T, r *registry.Registry, s string, want v1.Image) {
	t.Helper()
	img := pull(t, ref(t, r, s))
	if got := digest(t, img); got != digest(t, want) {
		t.Errorf("%s points at %s, want %s", s, got, digest(t, want))
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("%s is broken: %v", s, err)
	}
}

func compressed(t *testing.T, l v1.Layer) []byte {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// finishUpload completes the upload at location as layer.
func finishUpload(t *testing.T, r *registry.Registry, location string, layer v1.Layer) {
	t.Helper()
	d, err := layer.Digest()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("digest", d.String())
	u.RawQuery = q.Encode()
	resp, body := send(t, http.MethodPut, r, u.String(), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("finishing the upload: %s: %s", resp.Status, body)
	}
}

// waitFor polls cond until it holds, for at most 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(time.Millisecond):
		}
	}
}

// TestCollectGarbageSparesFreshBlobs: a push sends its blobs before its
// manifest, so a blob stored within the grace is never collected, used
// by a manifest or not.
func TestCollectGarbageSparesFreshBlobs(t *testing.T) {
	dir := t.TempDir()
	r, err := registry.Start(t.Context(), registry.Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop() })
	first, _ := pushReleases(t, r)
	deleteByDigest(t, r, first)
	got, err := r.CollectGarbage(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got != (registry.GCResult{}) {
		t.Errorf("collected %+v of blobs stored a moment ago, want none within the %s grace", got, registry.DefaultBlobGrace)
	}
	gone, _ := ownBlobs(t, first)
	for _, d := range gone {
		if !stored(t, dir, d) {
			t.Errorf("blob %s was collected within its grace", d)
		}
	}
}
