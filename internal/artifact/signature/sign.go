package signature

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/oci"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	"github.com/sigstore/sigstore/pkg/signature/options"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

// Sign signs the image ref with cosign's simple-signing payload, recording
// annotations in it, and attaches the signature at ref's .sig tag.
//
// If a signature by this key for this digest carrying these annotations is
// already there, Sign adds nothing and reports added false. The image must be
// in the registry (ErrImageNotFound otherwise).
func (s *Signer) Sign(ctx context.Context, ref name.Digest, annotations map[string]string, opts ...remote.Option) (added bool, err error) {
	h, err := imageHash(ref)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	if err := requireImage(ctx, ref, opts); err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	ociOpts := ociOptions(ctx, opts)
	existing, err := signatures(ref, ociOpts)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	claims := anyMap(annotations)
	for _, sig := range existing {
		if s.own.checkSignature(ctx, sig, h) == nil && cosign.SimpleClaimVerifier(sig, h, claims) == nil {
			return false, nil
		}
	}

	body, err := payload.Cosign{Image: ref, Annotations: claims}.MarshalJSON()
	if err != nil {
		return false, fmt.Errorf("sign %s: payload: %w", ref, err)
	}
	raw, err := s.key.SignMessage(bytes.NewReader(body), options.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	sig, err := static.NewSignature(body, base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	se, err := mutate.AttachSignatureToEntity(ociremote.SignedUnknown(ref, ociOpts...), sig)
	if err != nil {
		return false, fmt.Errorf("sign %s: %w", ref, err)
	}
	if err := ociremote.WriteSignatures(ref.Context(), se, ociOpts...); err != nil {
		return false, fmt.Errorf("sign %s: write signature: %w", ref, err)
	}
	return true, nil
}

// VerifySignature succeeds if a signature attached to ref verifies with this
// key and its signed payload names ref's digest. Otherwise the error is
// ErrUnsigned (no signature at all), ErrDigestMismatch (a valid signature for
// another digest) or ErrBadSignature (signed by another key, or tampered with).
func (v *Verifier) VerifySignature(ctx context.Context, ref name.Digest, opts ...remote.Option) error {
	h, err := imageHash(ref)
	if err != nil {
		return fmt.Errorf("verify signature of %s: %w", ref, err)
	}
	sigs, err := signatures(ref, ociOptions(ctx, opts))
	if err != nil {
		return fmt.Errorf("verify signature of %s: %w", ref, err)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("verify signature of %s: %w", ref, ErrUnsigned)
	}
	verdict := ErrBadSignature
	for _, sig := range sigs {
		err := v.checkSignature(ctx, sig, h)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrDigestMismatch) {
			verdict = ErrDigestMismatch
		}
	}
	return fmt.Errorf("verify signature of %s: %w (signatures checked: %d)", ref, verdict, len(sigs))
}

// checkSignature verifies one signature with cosign's own checks, the
// transparency log left out: ErrBadSignature if it does not verify with the
// key, ErrDigestMismatch if its payload names a digest other than h.
func (v *Verifier) checkSignature(ctx context.Context, sig oci.Signature, h v1.Hash) error {
	if _, err := cosign.VerifyImageSignature(ctx, sig, h, v.checkOpts()); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if err := cosign.SimpleClaimVerifier(sig, h, nil); err != nil {
		return fmt.Errorf("%w: %v", ErrDigestMismatch, err)
	}
	return nil
}

// checkOpts verifies with the public key alone. IgnoreTlog and IgnoreSCT keep
// cosign from looking for Rekor entries and certificate timestamps, which it
// would otherwise fetch (with TUF) from the internet.
func (v *Verifier) checkOpts() *cosign.CheckOpts {
	return &cosign.CheckOpts{
		SigVerifier: v.key,
		IgnoreTlog:  true,
		IgnoreSCT:   true,
		Offline:     true,
	}
}

// anyMap converts annotations to the form cosign's payloads carry.
func anyMap(m map[string]string) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
