package signature_test

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigstore "github.com/sigstore/sigstore/pkg/signature"

	"github.com/signalman/signalman/internal/artifact/signature"
)

// TestCosignCompatibility runs the checks `cosign verify` and
// `cosign verify-attestation` run with --key cosign.pub
// --insecure-ignore-tlog=true, through the same library calls, against what
// this package wrote.
func TestCosignCompatibility(t *testing.T) {
	ctx := context.Background()
	host := newRegistry(t)
	password := []byte("pw")
	priv, pub, err := signature.GenerateKeys(password)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.LoadSigner(priv, password)
	if err != nil {
		t.Fatal(err)
	}
	ref := pushImage(t, host, "shop/auth", "v1.101.0-build.7-abcdef1")
	mustAdd(t, "sign", func() (bool, error) { return signer.Sign(ctx, ref, map[string]string{"version": "v1.101.0"}) })
	mustAdd(t, "attest", func() (bool, error) { return signer.Attest(ctx, ref, slsa, provenance) })

	// The CLI loads --key like this (cosign/pkg/signature.LoadPublicKeyRaw).
	pubKey, err := cryptoutils.UnmarshalPEMToPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	cliVerifier, err := sigstore.LoadVerifier(pubKey, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	checkOpts := func(claims func(*cosign.CheckOpts)) *cosign.CheckOpts {
		co := &cosign.CheckOpts{
			SigVerifier:        cliVerifier,
			IgnoreTlog:         true,
			IgnoreSCT:          true,
			RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions()},
		}
		claims(co)
		return co
	}

	t.Run("cosign_verify_accepts_the_signature", func(t *testing.T) {
		co := checkOpts(func(co *cosign.CheckOpts) {
			co.ClaimVerifier = cosign.SimpleClaimVerifier
			co.Annotations = map[string]any{"version": "v1.101.0"}
		})
		sigs, _, err := cosign.VerifyImageSignatures(ctx, ref, co)
		if err != nil {
			t.Fatalf("VerifyImageSignatures: %v", err)
		}
		if len(sigs) != 1 {
			t.Fatalf("%d verified signatures, want 1", len(sigs))
		}
		p, err := sigs[0].Payload()
		if err != nil {
			t.Fatal(err)
		}
		var payload struct {
			Critical struct {
				Identity struct {
					DockerReference string `json:"docker-reference"`
				} `json:"identity"`
				Type string `json:"type"`
			} `json:"critical"`
		}
		if err := json.Unmarshal(p, &payload); err != nil {
			t.Fatal(err)
		}
		if got, want := payload.Critical.Identity.DockerReference, ref.Context().Name(); got != want {
			t.Errorf("docker-reference = %q, want %q", got, want)
		}
		if got, want := payload.Critical.Type, "cosign container image signature"; got != want {
			t.Errorf("type = %q, want %q", got, want)
		}
	})

	t.Run("cosign_verify_attestation_accepts_the_attestation", func(t *testing.T) {
		co := checkOpts(func(co *cosign.CheckOpts) { co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier })
		atts, _, err := cosign.VerifyImageAttestations(ctx, ref, co)
		if err != nil {
			t.Fatalf("VerifyImageAttestations: %v", err)
		}
		if len(atts) != 1 {
			t.Fatalf("%d verified attestations, want 1", len(atts))
		}
		p, err := atts[0].Payload()
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			PayloadType string `json:"payloadType"`
			Payload     string `json:"payload"`
		}
		if err := json.Unmarshal(p, &env); err != nil {
			t.Fatal(err)
		}
		if env.PayloadType != "application/vnd.in-toto+json" {
			t.Errorf("payloadType = %q", env.PayloadType)
		}
		body, err := base64.StdEncoding.DecodeString(env.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Type          string `json:"_type"`
			PredicateType string `json:"predicateType"`
			Subject       []struct {
				Name   string            `json:"name"`
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
			Predicate json.RawMessage `json:"predicate"`
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != slsa {
			t.Errorf("statement _type %q predicateType %q", st.Type, st.PredicateType)
		}
		if len(st.Subject) != 1 || "sha256:"+st.Subject[0].Digest["sha256"] != ref.DigestStr() {
			t.Errorf("subject = %+v, want the digest %s", st.Subject, ref.DigestStr())
		}
		assertSameJSON(t, st.Predicate, provenance)
	})

	t.Run("stored_at_the_standard_tags", func(t *testing.T) {
		h := ref.DigestStr()[len("sha256:"):]
		for _, tt := range []struct {
			suffix, mediaType, annotation string
		}{
			{"sig", "application/vnd.dev.cosign.simplesigning.v1+json", "dev.cosignproject.cosign/signature"},
			{"att", "application/vnd.dsse.envelope.v1+json", "predicateType"},
		} {
			tag := ref.Context().Tag(fmt.Sprintf("sha256-%s.%s", h, tt.suffix))
			img, err := remote.Image(tag)
			if err != nil {
				t.Fatalf("%s: %v", tag, err)
			}
			m, err := img.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Layers) != 1 {
				t.Fatalf("%s: %d layers, want 1", tag, len(m.Layers))
			}
			l := m.Layers[0]
			if string(l.MediaType) != tt.mediaType {
				t.Errorf("%s: layer media type %q, want %q", tag, l.MediaType, tt.mediaType)
			}
			if _, ok := l.Annotations[tt.annotation]; !ok {
				t.Errorf("%s: layer annotations %v lack %q", tag, l.Annotations, tt.annotation)
			}
		}
	})
}
