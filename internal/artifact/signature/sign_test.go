package signature_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/oci"
	"github.com/sigstore/cosign/v2/pkg/oci/empty"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"

	"github.com/signalman/signalman/internal/artifact/signature"
)

func TestSignAndVerify(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t)
	signer, verifier := newKeys(t)
	otherSigner, otherVerifier := newKeys(t)

	t.Run("signed_image_verifies", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.1.0")
		mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, ref, nil) })
		if err := verifier.VerifySignature(ctx, ref); err != nil {
			t.Fatalf("VerifySignature: %v", err)
		}
	})

	t.Run("unsigned_image_is_refused_as_unsigned", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.2.0")
		err := verifier.VerifySignature(ctx, ref)
		if !errors.Is(err, signature.ErrUnsigned) {
			t.Fatalf("VerifySignature = %v, want ErrUnsigned", err)
		}
		if !strings.Contains(err.Error(), ref.DigestStr()) {
			t.Errorf("error %q does not name the digest", err)
		}
	})

	t.Run("image_signed_by_another_key_is_refused", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.3.0")
		mustAdd(t, "sign", func() (bool, error) { return otherSigner.Sign(ctx, ref, nil) })
		if err := verifier.VerifySignature(ctx, ref); !errors.Is(err, signature.ErrBadSignature) {
			t.Fatalf("VerifySignature = %v, want ErrBadSignature", err)
		}
		if err := otherVerifier.VerifySignature(ctx, ref); err != nil {
			t.Fatalf("the signer's own key: %v", err)
		}
	})

	t.Run("repushed_tag_new_digest_is_unsigned", func(t *testing.T) {
		a := pushImage(t, host, "shop/cart", "v1.4.0")
		mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, a, nil) })
		b := pushImage(t, host, "shop/cart", "v1.4.0") // the same tag, another image
		if err := verifier.VerifySignature(ctx, b); !errors.Is(err, signature.ErrUnsigned) {
			t.Fatalf("VerifySignature(B) = %v, want ErrUnsigned", err)
		}
		if err := verifier.VerifySignature(ctx, a); err != nil {
			t.Fatalf("VerifySignature(A) = %v", err)
		}
	})

	t.Run("signature_copied_to_another_digest_is_a_mismatch", func(t *testing.T) {
		a := pushImage(t, host, "shop/cart", "v1.5.0")
		b := pushImage(t, host, "shop/cart", "v1.5.1")
		mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, a, nil) })
		copyTag(t, ociremote.SignatureTag, a, b)
		if err := verifier.VerifySignature(ctx, b); !errors.Is(err, signature.ErrDigestMismatch) {
			t.Fatalf("VerifySignature(B) = %v, want ErrDigestMismatch", err)
		}
	})

	t.Run("tampered_payload_is_refused", func(t *testing.T) {
		ref := pushImage(t, host, "shop/cart", "v1.6.0")
		mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, ref, map[string]string{"env": "stage"}) })
		tamperSignature(t, ref, `"stage"`, `"prod"`)
		if err := verifier.VerifySignature(ctx, ref); !errors.Is(err, signature.ErrBadSignature) {
			t.Fatalf("VerifySignature = %v, want ErrBadSignature", err)
		}
	})

	t.Run("signing_twice_adds_one_signature", func(t *testing.T) {
		ref := pushImage(t, host, "shop/search", "v1.7.0")
		mustAdd(t, "first sign", func() (bool, error) { return signer.Sign(ctx, ref, nil) })
		added, err := signer.Sign(ctx, ref, nil)
		if err != nil || added {
			t.Fatalf("second Sign = %v, %v; want false, nil", added, err)
		}
		if n := count(t, signature.Signatures, ref); n != 1 {
			t.Fatalf("Signatures = %d, want 1", n)
		}
	})

	t.Run("another_key_adds_its_own_signature", func(t *testing.T) {
		ref := pushImage(t, host, "shop/search", "v1.8.0")
		mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, ref, nil) })
		mustAdd(t, "sign with the other key", func() (bool, error) { return otherSigner.Sign(ctx, ref, nil) })
		if n := count(t, signature.Signatures, ref); n != 2 {
			t.Fatalf("Signatures = %d, want 2", n)
		}
		for _, v := range []*signature.Verifier{verifier, otherVerifier} {
			if err := v.VerifySignature(ctx, ref); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
		}
	})

	t.Run("new_annotations_add_a_signature_and_old_ones_are_a_no_op", func(t *testing.T) {
		ref := pushImage(t, host, "shop/search", "v1.9.0")
		stage := map[string]string{"env": "stage"}
		mustAdd(t, "sign for stage", func() (bool, error) { return signer.Sign(ctx, ref, stage) })
		mustAdd(t, "sign for prod", func() (bool, error) { return signer.Sign(ctx, ref, map[string]string{"env": "prod"}) })
		if added, err := signer.Sign(ctx, ref, stage); err != nil || added {
			t.Fatalf("Sign for stage again = %v, %v; want false, nil", added, err)
		}
		if added, err := signer.Sign(ctx, ref, nil); err != nil || added {
			t.Fatalf("Sign without annotations = %v, %v; want false, nil", added, err)
		}
		if n := count(t, signature.Signatures, ref); n != 2 {
			t.Fatalf("Signatures = %d, want 2", n)
		}
	})

	t.Run("missing_image_is_not_signed", func(t *testing.T) {
		ref := pushImage(t, host, "shop/search", "v1.10.0")
		missing := ref.Context().Digest("sha256:" + strings.Repeat("ab", 32))
		if _, err := signer.Sign(ctx, missing, nil); !errors.Is(err, signature.ErrImageNotFound) {
			t.Fatalf("Sign = %v, want ErrImageNotFound", err)
		}
		if n := count(t, signature.Signatures, missing); n != 0 {
			t.Fatalf("Signatures = %d, want 0", n)
		}
	})

	t.Run("cancelled_context_stops_signing", func(t *testing.T) {
		ref := pushImage(t, host, "shop/search", "v1.11.0")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := signer.Sign(cctx, ref, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("Sign = %v, want context.Canceled", err)
		}
	})
}

// tamperSignature rewrites every signature payload at ref's .sig tag,
// replacing from with to and keeping the original signature bytes.
func tamperSignature(t *testing.T, ref name.Digest, from, to string) {
	t.Helper()
	tag, err := ociremote.SignatureTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := ociremote.Signatures(tag)
	if err != nil {
		t.Fatal(err)
	}
	list, err := sigs.Get()
	if err != nil {
		t.Fatal(err)
	}
	var forged []oci.Signature
	for _, sig := range list {
		p, err := sig.Payload()
		if err != nil {
			t.Fatal(err)
		}
		b64, err := sig.Base64Signature()
		if err != nil {
			t.Fatal(err)
		}
		f, err := static.NewSignature([]byte(strings.ReplaceAll(string(p), from, to)), b64)
		if err != nil {
			t.Fatal(err)
		}
		forged = append(forged, f)
	}
	img, err := mutate.AppendSignatures(empty.Signatures(), false, forged...)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
}
