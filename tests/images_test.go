package tests

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/workflows"
)

// checkImages checks a finished release's images in the registry: each is
// tagged with the release's build tag, signed once, with one SBOM and one
// provenance attestation.
func checkImages(t *testing.T, s *stack, st workflows.Status, commit string) {
	t.Helper()
	if len(st.Artifacts) == 0 {
		t.Fatal("the release recorded no images")
	}
	ctx := context.Background()
	for _, a := range st.Artifacts {
		if !strings.HasPrefix(a.Image, s.registry.Host()+"/shop/"+a.Service+":"+st.Version+"-build.") || !strings.HasSuffix(a.Image, "-"+commit[:7]) {
			t.Errorf("image %s does not carry the build tag of %s at %s", a.Image, st.Version, commit[:7])
		}
		tag, err := name.NewTag(a.Image, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(tag)
		if err != nil || desc.Digest.String() != a.Digest {
			t.Errorf("%s in the registry: %v, %v; want digest %s", a.Image, desc, err, a.Digest)
			continue
		}
		ref, _ := name.NewDigest(a.Ref(), name.Insecure)
		if n, err := signature.Signatures(ctx, ref); err != nil || n != 1 {
			t.Errorf("%s has %d signatures (%v), want exactly 1", a.Ref(), n, err)
		}
		if n, err := signature.Attestations(ctx, ref); err != nil || n != 2 {
			t.Errorf("%s has %d attestations (%v), want SBOM and provenance", a.Ref(), n, err)
		}
	}
}
