package signature_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"

	"github.com/signalman/signalman/internal/artifact/signature"
)

const (
	cycloneDX = "https://cyclonedx.org/bom"
	slsa      = "https://slsa.dev/provenance/v1"
)

var (
	sbom       = []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"auth-server","version":"v1.101.0"}]}`)
	provenance = []byte(`{"buildDefinition":{"buildType":"https://signalman.dev/build/v1","externalParameters":{"version":"v1.101.0"}},"runDetails":{"builder":{"id":"https://signalman.dev/worker"}}}`)
)

func TestAttest(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t)
	signer, verifier := newKeys(t)
	otherSigner, _ := newKeys(t)

	t.Run("attesting_twice_adds_one_attestation", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.1.0")
		mustAdd(t, "first attest", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, sbom) })
		added, err := signer.Attest(ctx, ref, cycloneDX, sbom)
		if err != nil || added {
			t.Fatalf("second Attest = %v, %v; want false, nil", added, err)
		}
		if n := count(t, signature.Attestations, ref); n != 1 {
			t.Fatalf("Attestations = %d, want 1", n)
		}
	})

	t.Run("equal_predicate_formatted_differently_is_a_no_op", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.2.0")
		mustAdd(t, "attest", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, []byte(`{"a":1,"b":[true,null]}`)) })
		added, err := signer.Attest(ctx, ref, cycloneDX, []byte("{\n  \"b\": [true, null],\n  \"a\": 1\n}"))
		if err != nil || added {
			t.Fatalf("Attest = %v, %v; want false, nil", added, err)
		}
	})

	t.Run("two_predicate_types_are_both_verifiable", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.3.0")
		mustAdd(t, "attest SBOM", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, sbom) })
		mustAdd(t, "attest provenance", func() (bool, error) { return signer.Attest(ctx, ref, slsa, provenance) })
		if n := count(t, signature.Attestations, ref); n != 2 {
			t.Fatalf("Attestations = %d, want 2", n)
		}
		for typ, want := range map[string][]byte{cycloneDX: sbom, slsa: provenance} {
			got, err := verifier.Attestation(ctx, ref, typ)
			if err != nil {
				t.Fatalf("Attestation(%s): %v", typ, err)
			}
			assertSameJSON(t, got, want)
		}
	})

	t.Run("changed_predicate_is_added_and_the_newest_wins", func(t *testing.T) {
		ref := pushImage(t, host, "shop/auth", "v1.4.0")
		newer := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`)
		mustAdd(t, "attest", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, sbom) })
		mustAdd(t, "attest again", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, newer) })
		got, err := verifier.Attestation(ctx, ref, cycloneDX)
		if err != nil {
			t.Fatal(err)
		}
		assertSameJSON(t, got, newer)
	})

	t.Run("missing_type_is_no_attestation", func(t *testing.T) {
		ref := pushImage(t, host, "shop/cart", "v1.5.0")
		if _, err := verifier.Attestation(ctx, ref, slsa); !errors.Is(err, signature.ErrNoAttestation) {
			t.Fatalf("unattested image: Attestation = %v, want ErrNoAttestation", err)
		}
		mustAdd(t, "attest SBOM", func() (bool, error) { return signer.Attest(ctx, ref, cycloneDX, sbom) })
		if _, err := verifier.Attestation(ctx, ref, slsa); !errors.Is(err, signature.ErrNoAttestation) {
			t.Fatalf("SBOM only: Attestation(provenance) = %v, want ErrNoAttestation", err)
		}
	})

	t.Run("attestation_by_another_key_is_refused", func(t *testing.T) {
		ref := pushImage(t, host, "shop/cart", "v1.6.0")
		mustAdd(t, "attest with another key", func() (bool, error) { return otherSigner.Attest(ctx, ref, slsa, provenance) })
		if _, err := verifier.Attestation(ctx, ref, slsa); !errors.Is(err, signature.ErrBadSignature) {
			t.Fatalf("Attestation = %v, want ErrBadSignature", err)
		}
		// Another key's attestation is not ours: attesting adds ours.
		mustAdd(t, "attest", func() (bool, error) { return signer.Attest(ctx, ref, slsa, provenance) })
		if _, err := verifier.Attestation(ctx, ref, slsa); err != nil {
			t.Fatalf("Attestation after our own: %v", err)
		}
	})

	t.Run("attestation_copied_to_another_digest_is_a_mismatch", func(t *testing.T) {
		a := pushImage(t, host, "shop/cart", "v1.7.0")
		b := pushImage(t, host, "shop/cart", "v1.7.1")
		mustAdd(t, "attest", func() (bool, error) { return signer.Attest(ctx, a, slsa, provenance) })
		copyTag(t, ociremote.AttestationTag, a, b)
		if _, err := verifier.Attestation(ctx, b, slsa); !errors.Is(err, signature.ErrDigestMismatch) {
			t.Fatalf("Attestation(B) = %v, want ErrDigestMismatch", err)
		}
	})

	t.Run("invalid_input_is_refused", func(t *testing.T) {
		ref := pushImage(t, host, "shop/cart", "v1.8.0")
		for _, tt := range []struct{ typ, predicate string }{
			{cycloneDX, `[1,2]`},
			{cycloneDX, `not json`},
			{cycloneDX, `{"a":1} {"b":2}`},
			{"", `{"a":1}`},
		} {
			if _, err := signer.Attest(ctx, ref, tt.typ, []byte(tt.predicate)); !errors.Is(err, signature.ErrInvalidPredicate) {
				t.Errorf("Attest(%q, %s) = %v, want ErrInvalidPredicate", tt.typ, tt.predicate, err)
			}
		}
		if n := count(t, signature.Attestations, ref); n != 0 {
			t.Fatalf("Attestations = %d, want 0", n)
		}
	})
}

// assertSameJSON fails unless got and want hold the same JSON value.
func assertSameJSON(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("predicate = %s, want %s", got, want)
	}
}
