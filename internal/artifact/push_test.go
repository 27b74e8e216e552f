package artifact

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// testRegistry is a registry on loopback that counts the writes it receives.
type testRegistry struct {
	host   string
	writes atomic.Int64
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	r := &testRegistry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPut || req.Method == http.MethodPost || req.Method == http.MethodPatch {
			r.writes.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

func (r *testRegistry) tag(t *testing.T, repoAndTag string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(r.host + "/" + repoAndTag)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestPush(t *testing.T) {
	ctx := context.Background()
	reg := newTestRegistry(t)
	tag := reg.tag(t, "shop/hello:v1.101.0-build.1-0123456")
	img, other := randomImage(t), randomImage(t)
	want, _ := img.Digest()

	t.Run("absent_tag_is_written", func(t *testing.T) {
		got, err := Push(ctx, img, tag, RemoteOptions(ctx)...)
		if err != nil {
			t.Fatal(err)
		}
		if got.DigestStr() != want.String() || got.Context() != tag.Context() {
			t.Errorf("pushed as %s, want %s@%s", got, tag.Context(), want)
		}
		if d := remoteDigest(t, tag); d != want {
			t.Errorf("tag names %s, want %s", d, want)
		}
	})

	t.Run("same_image_again_writes_nothing", func(t *testing.T) {
		before := reg.writes.Load()
		got, err := Push(ctx, img, tag, RemoteOptions(ctx)...)
		if err != nil {
			t.Fatal(err)
		}
		if got.DigestStr() != want.String() {
			t.Errorf("second push returned %s, want %s", got.DigestStr(), want)
		}
		if n := reg.writes.Load() - before; n != 0 {
			t.Errorf("second push made %d writes, want none", n)
		}
	})

	t.Run("other_image_is_refused_and_nothing_overwritten", func(t *testing.T) {
		before := reg.writes.Load()
		_, err := Push(ctx, other, tag, RemoteOptions(ctx)...)
		var exists *TagExistsError
		if !errors.As(err, &exists) {
			t.Fatalf("got %v, want a *TagExistsError", err)
		}
		otherDigest, _ := other.Digest()
		if exists.Existing != want || exists.Pushed != otherDigest || exists.Tag != tag {
			t.Errorf("error %+v, want existing %s, pushed %s", exists, want, otherDigest)
		}
		if !strings.Contains(err.Error(), "immutable") {
			t.Errorf("error %q does not say tags are immutable", err)
		}
		if n := reg.writes.Load() - before; n != 0 {
			t.Errorf("refused push made %d writes", n)
		}
		if d := remoteDigest(t, tag); d != want {
			t.Errorf("tag now names %s, want it still to name %s", d, want)
		}
	})

	t.Run("unreachable_registry_fails", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		tag, err := name.NewTag(strings.TrimPrefix(srv.URL, "http://") + "/shop/hello:v1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Push(ctx, img, tag); err == nil {
			t.Error("push to a closed registry succeeded")
		}
	})
}

func remoteDigest(t *testing.T, ref name.Reference) v1.Hash {
	t.Helper()
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	return desc.Digest
}
