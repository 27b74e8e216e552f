package signature_test

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"

	"github.com/signalman/signalman/internal/artifact/signature"
)

// newRegistry serves an in-memory registry on loopback for the test and
// returns its host:port. go-containerregistry speaks plain HTTP to 127.0.0.1.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushImage pushes a fresh random image to host/repo:tag and returns it by digest.
func pushImage(t *testing.T, host, repo, tag string) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	tagRef, err := name.NewTag(host + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tagRef, img); err != nil {
		t.Fatalf("push %s: %v", tagRef, err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tagRef.Context().Digest(h.String())
}

// newKeys generates a key pair and loads both halves.
func newKeys(t *testing.T) (*signature.Signer, *signature.Verifier) {
	t.Helper()
	password := []byte("test password")
	priv, pub, err := signature.GenerateKeys(password)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadSigner(priv, password)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.LoadVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// copyTag copies the cosign image at from's attachment tag (tagOf is
// ociremote.SignatureTag or AttestationTag) onto the same tag of to, as
// someone moving signatures between images would.
func copyTag(t *testing.T, tagOf func(name.Reference, ...ociremote.Option) (name.Tag, error), from, to name.Digest) {
	t.Helper()
	src, err := tagOf(from)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := tagOf(to)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(dst, img); err != nil {
		t.Fatal(err)
	}
}

// mustAdd fails the test unless f reports that it added something.
func mustAdd(t *testing.T, what string, f func() (bool, error)) {
	t.Helper()
	added, err := f()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !added {
		t.Fatalf("%s: added = false, want true", what)
	}
}

// count calls a counting function and fails the test on error.
func count(t *testing.T, f func(context.Context, name.Digest, ...remote.Option) (int, error), ref name.Digest) int {
	t.Helper()
	n, err := f(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
