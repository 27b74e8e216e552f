package registry_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/signalman/signalman/internal/registry"
)

const (
	firstTag  = "shop/api:v1.0.0-build.1-aaaaaaa"
	secondTag = "shop/api:v1.1.0-build.2-bbbbbbb"
)

func TestDeleteByDigest(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	first, second := pushReleases(t, r)
	deleteByDigest(t, r, first)

	for _, s := range []string{firstTag, "shop/api@" + digest(t, first).String()} {
		_, err := remote.Head(ref(t, r, s), remote.WithContext(t.Context()))
		var terr *transport.Error
		if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
			t.Errorf("%s after deleting its manifest: got %v, want 404", s, err)
		}
	}
	if got := digest(t, pull(t, ref(t, r, secondTag))); got != digest(t, second) {
		t.Errorf("%s points at %s, want %s", secondTag, got, digest(t, second))
	}
}

func TestDeleteRefused(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	first, _ := pushReleases(t, r)
	base := layerDigest(t, first, 0)
	tag := strings.TrimPrefix(firstTag, "shop/api:")

	tests := []struct {
		name  string
		path  string
		allow string
		want  string
	}{
		{
			"by tag", "/v2/shop/api/manifests/" + tag, "GET, HEAD, PUT",
			"tag " + firstTag + " cannot be deleted: tags are immutable; " +
				"delete the manifest by digest (DELETE /v2/shop/api/manifests/sha256:...) and let garbage collection free its blobs",
		},
		{
			"a blob", "/v2/shop/api/blobs/" + base.String(), "GET, HEAD",
			"blob " + base.String() + " in shop/api cannot be deleted directly: " +
				"delete the manifests that use it by digest (DELETE /v2/shop/api/manifests/sha256:...) and let garbage collection free blobs no manifest references",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, http.MethodDelete, r, tt.path, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status %s, want 405", resp.Status)
			}
			if allow := resp.Header.Get("Allow"); allow != tt.allow {
				t.Errorf("Allow %q, want %q", allow, tt.allow)
			}
			var e struct {
				Errors []struct{ Code, Message string }
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if len(e.Errors) != 1 || e.Errors[0].Code != "UNSUPPORTED" || e.Errors[0].Message != tt.want {
				t.Errorf("errors %+v, want one UNSUPPORTED: %q", e.Errors, tt.want)
			}
		})
	}

	if got := digest(t, pull(t, ref(t, r, firstTag))); got != digest(t, first) {
		t.Errorf("after the refused deletes %s points at %s, want %s", firstTag, got, digest(t, first))
	}
	if resp, _ := send(t, http.MethodHead, r, "/v2/shop/api/blobs/"+base.String(), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after the refused deletes HEAD of the base layer: %s, want 200", resp.Status)
	}
}

func TestCancelUploadPasses(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	resp, _ := send(t, http.MethodDelete, r, startUpload(t, r, "shop/api"), nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("cancelling an upload: %s, want 204", resp.Status)
	}
}

// pushReleases pushes two images to shop/api, tagged firstTag and
// secondTag, that share a base layer and have one layer of their own each.
func pushReleases(t *testing.T, r *registry.Registry) (first, second v1.Image) {
	t.Helper()
	base := randomLayer(t)
	first = image(t, base, randomLayer(t))
	second = image(t, base, randomLayer(t))
	push(t, ref(t, r, firstTag), first)
	push(t, ref(t, r, secondTag), second)
	return first, second
}

func randomLayer(t *testing.T) v1.Layer {
	t.Helper()
	l, err := random.Layer(64<<10, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func image(t *testing.T, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func layerDigest(t *testing.T, img v1.Image, i int) v1.Hash {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := layers[i].Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// deleteByDigest deletes img's manifest from shop/api through the API.
func deleteByDigest(t *testing.T, r *registry.Registry, img v1.Image) {
	t.Helper()
	resp, body := send(t, http.MethodDelete, r, "/v2/shop/api/manifests/"+digest(t, img).String(), nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("deleting %s by digest: %s: %s", digest(t, img), resp.Status, body)
	}
}

// startUpload starts a blob upload to repo and returns where it goes on.
func startUpload(t *testing.T, r *registry.Registry, repo string) string {
	t.Helper()
	resp, body := send(t, http.MethodPost, r, "/v2/"+repo+"/blobs/uploads/", nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("starting an upload: %s: %s", resp.Status, body)
	}
	return resp.Header.Get("Location")
}

// send sends a request to target, a path on r or an absolute URL, and
// returns the response with its body read.
func send(t *testing.T, method string, r *registry.Registry, target string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = "http://" + r.Host() + target
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the response: %v", method, target, err)
	}
	return resp, b
}
