package registry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/signalman/signalman/internal/registry"
)

const releaseTag = "shop/api:v1.2.0-build.3-abc1234"

func TestPushAndPull(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	img := randomImage(t)
	push(t, ref(t, r, releaseTag), img)

	for _, s := range []string{releaseTag, "shop/api@" + digest(t, img).String()} {
		t.Run(s, func(t *testing.T) {
			got := pull(t, ref(t, r, s))
			if d := digest(t, got); d != digest(t, img) {
				t.Errorf("pulled %s, pushed %s", d, digest(t, img))
			}
			if err := validate.Image(got); err != nil {
				t.Errorf("pulled image is broken: %v", err)
			}
		})
	}
}

func TestContentSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first := start(t, dir, nil)
	img := randomImage(t)
	push(t, ref(t, first, releaseTag), img)
	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}

	second := start(t, dir, nil)
	got := pull(t, ref(t, second, "shop/api@"+digest(t, img).String()))
	if err := validate.Image(got); err != nil {
		t.Errorf("image pulled after restart is broken: %v", err)
	}
	if d := digest(t, pull(t, ref(t, second, releaseTag))); d != digest(t, img) {
		t.Errorf("after restart %s points at %s, want %s", releaseTag, d, digest(t, img))
	}
}

func TestTagMutability(t *testing.T) {
	signed := "sha256-" + strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		tag     string
		mutable bool
	}{
		{"release tag is immutable", "v1.2.0-build.3-abc1234", false},
		{"latest is immutable too", "latest", false},
		{"sig suffix alone does not make a tag mutable", "v1.2.0.sig", false},
		{"cosign signature tag is mutable", signed + ".sig", true},
		{"cosign attestation tag is mutable", signed + ".att", true},
		{"cosign sbom tag is mutable", signed + ".sbom", true},
		{"referrers fallback tag is mutable", signed, true},
	}
	r := start(t, t.TempDir(), nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tagged := ref(t, r, "shop/api:"+tt.tag)
			first, second := randomImage(t), randomImage(t)
			push(t, tagged, first)

			err := remote.Write(tagged, second, remote.WithContext(t.Context()))
			want := first
			if tt.mutable {
				if err != nil {
					t.Fatalf("overwriting %s: %v", tt.tag, err)
				}
				want = second
			} else {
				checkRefused(t, err, digest(t, first))
			}
			if got := digest(t, pull(t, tagged)); got != digest(t, want) {
				t.Errorf("%s points at %s, want %s", tt.tag, got, digest(t, want))
			}
		})
	}
}

// checkRefused checks that the client got the registry's reason.
func checkRefused(t *testing.T, err error, current v1.Hash) {
	t.Helper()
	var terr *transport.Error
	if !errors.As(err, &terr) {
		t.Fatalf("overwriting an immutable tag: got %v, want a registry error", err)
	}
	if terr.StatusCode != http.StatusConflict {
		t.Errorf("status %d, want %d", terr.StatusCode, http.StatusConflict)
	}
	if len(terr.Errors) != 1 || terr.Errors[0].Code != "TAG_INVALID" {
		t.Errorf("errors %+v, want one TAG_INVALID", terr.Errors)
	}
	for _, want := range []string{"already points at " + current.String(), "tags are immutable, push a new tag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestSameManifestPushedTwice(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	img := randomImage(t)
	tagged := ref(t, r, releaseTag)
	push(t, tagged, img)
	push(t, tagged, img)
}

func TestManifestPut(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	first, second := randomImage(t), randomImage(t)
	push(t, ref(t, r, releaseTag), first)
	push(t, ref(t, r, "shop/api@"+digest(t, second).String()), second)

	tests := []struct {
		name       string
		img        v1.Image
		wantStatus int
		wantCode   string
	}{
		{"same manifest again", first, http.StatusCreated, ""},
		{"another manifest", second, http.StatusConflict, "TAG_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := putManifest(t, r, "shop/api", "v1.2.0-build.3-abc1234", tt.img)
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %s, want %d", resp.Status, tt.wantStatus)
			}
			if tt.wantCode == "" {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var body struct {
				Errors []struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("tag %s already points at %s; tags are immutable, push a new tag", releaseTag, digest(t, first))
			if len(body.Errors) != 1 || body.Errors[0].Code != tt.wantCode || body.Errors[0].Message != want {
				t.Errorf("errors %+v, want one %s: %q", body.Errors, tt.wantCode, want)
			}
		})
	}
}

// putManifest PUTs img's manifest to repo:tag directly, as a client that
// does not check the tag first would.
func putManifest(t *testing.T, r *registry.Registry, repo, tag string, img v1.Image) *http.Response {
	t.Helper()
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	mt, err := img.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + r.Host() + "/v2/" + repo + "/manifests/" + tag
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", string(mt))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPushByDigest(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	img := randomImage(t)
	byDigest := ref(t, r, "shop/api@"+digest(t, img).String())
	push(t, byDigest, img)
	push(t, byDigest, img)
}

func TestConcurrentPushesToOneTag(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	tagged := ref(t, r, releaseTag)
	const pushers = 4
	images := make([]v1.Image, pushers)
	for i := range images {
		images[i] = randomImage(t)
	}

	errs := make([]error, pushers)
	var wg sync.WaitGroup
	for i, img := range images {
		wg.Go(func() { errs[i] = remote.Write(tagged, img, remote.WithContext(t.Context())) })
	}
	wg.Wait()

	var won []v1.Image
	for i, err := range errs {
		if err == nil {
			won = append(won, images[i])
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d pushes to one tag succeeded, want 1: %v", len(won), pushers, errs)
	}
	if got := digest(t, pull(t, tagged)); got != digest(t, won[0]) {
		t.Errorf("tag points at %s, the winning push was %s", got, digest(t, won[0]))
	}
}

func TestStopTwice(t *testing.T) {
	r := start(t, t.TempDir(), nil)
	for range 2 {
		if err := r.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := http.Get("http://" + r.Host() + "/v2/"); err == nil {
		resp.Body.Close()
		t.Errorf("stopped registry still answers: %s", resp.Status)
	}
}

func TestTwoRegistries(t *testing.T) {
	var logA, logB syncBuffer
	a := start(t, t.TempDir(), &logA)
	b := start(t, t.TempDir(), &logB)
	if a.Host() == b.Host() {
		t.Fatalf("both registries on %s", a.Host())
	}
	img := randomImage(t)
	push(t, ref(t, a, releaseTag), img)

	const elsewhere = "elsewhere/api:v1"
	_, err := remote.Image(ref(t, b, elsewhere), remote.WithContext(t.Context()))
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Errorf("pulling what is not there: got %v, want 404", err)
	}
	// distribution logs each error response: each registry's logs go to
	// its own Logger.
	if strings.Contains(logA.String(), "elsewhere/api") {
		t.Errorf("registry a logged registry b's miss:\n%s", logA.String())
	}
	if !strings.Contains(logB.String(), "elsewhere/api") {
		t.Errorf("registry b did not log its miss:\n%s", logB.String())
	}
}

func TestQuietLogs(t *testing.T) {
	var logs syncBuffer
	r := start(t, t.TempDir(), &logs)
	push(t, ref(t, r, releaseTag), randomImage(t))
	for line := range strings.Lines(logs.String()) {
		if !strings.Contains(line, "level=DEBUG") {
			t.Errorf("a routine push logged above debug: %s", line)
		}
	}
}

func TestStartRefuses(t *testing.T) {
	taken := start(t, t.TempDir(), nil)
	tests := []struct {
		name string
		o    registry.Options
		want string
	}{
		{"no directory", registry.Options{Addr: "127.0.0.1:0"}, "set Options.Dir"},
		{"all interfaces", registry.Options{Dir: t.TempDir(), Addr: "0.0.0.0:0"}, "not on loopback"},
		{"a host name", registry.Options{Dir: t.TempDir(), Addr: "example.com:5000"}, "not on loopback"},
		{"no port", registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1"}, "missing port"},
		{"a port in use", registry.Options{Dir: t.TempDir(), Addr: taken.Host()}, "is another registry running there?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := registry.Start(t.Context(), tt.o)
			if err == nil {
				r.Stop()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// start starts a registry on a free port; its logs go to w at debug, or to
// the test log at warn when w is nil.
func start(t *testing.T, dir string, w *syncBuffer) *registry.Registry {
	t.Helper()
	var logger *slog.Logger
	if w != nil {
		logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Blobs pushed a moment ago are collectable here: no push of these
	// tests waits between its blobs and its manifest.
	r, err := registry.Start(t.Context(), registry.Options{Dir: dir, Addr: "127.0.0.1:0", Logger: logger, BlobGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func ref(t *testing.T, r *registry.Registry, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(r.Host() + "/" + s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func push(t *testing.T, ref name.Reference, img v1.Image) {
	t.Helper()
	if err := remote.Write(ref, img, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func pull(t *testing.T, ref name.Reference) v1.Image {
	t.Helper()
	img, err := remote.Image(ref, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	return img
}

func digest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// syncBuffer is a bytes.Buffer that handlers on several goroutines can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
