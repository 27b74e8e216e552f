package signature

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"github.com/in-toto/in-toto-golang/in_toto"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/oci"
	"github.com/sigstore/cosign/v2/pkg/oci/mutate"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	"github.com/sigstore/cosign/v2/pkg/types"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// predicateTypeAnnotation is the layer annotation in which cosign records an
// attestation's predicate type.
const predicateTypeAnnotation = "predicateType"

// statement is an in-toto Statement v1 whose predicate is kept as the JSON it
// was given.
type statement struct {
	in_toto.StatementHeader
	Predicate json.RawMessage `json:"predicate"`
}

// Attest wraps predicate (a JSON object) in an in-toto Statement v1 whose
// subject is ref's digest, signs it as a DSSE envelope and attaches it at
// ref's .att tag.
//
// If an attestation by this key of the same predicate type with an equal
// predicate (as JSON values) is already there, Attest adds nothing and reports
// added false. A different predicate of the same type is added beside the old
// one, and Attestation returns the newer. The image must be in the registry
// (ErrImageNotFound otherwise).
func (s *Signer) Attest(ctx context.Context, ref name.Digest, predicateType string, predicate []byte, opts ...remote.Option) (added bool, err error) {
	h, err := imageHash(ref)
	if err != nil {
		return false, fmt.Errorf("attest %s: %w", ref, err)
	}
	want, err := decodePredicate(predicateType, predicate)
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	if err := requireImage(ctx, ref, opts); err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	ociOpts := ociOptions(ctx, opts)
	existing, err := attestations(ref, ociOpts)
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	for _, att := range existing {
		st, err := s.own.checkAttestation(ctx, att, h)
		if err != nil || st.PredicateType != predicateType {
			continue
		}
		if got, err := decodeJSON(st.Predicate); err == nil && reflect.DeepEqual(got, want) {
			return false, nil
		}
	}

	body, err := json.Marshal(statement{
		StatementHeader: in_toto.StatementHeader{
			Type:          intotov1.StatementTypeUri,
			PredicateType: predicateType,
			Subject: []in_toto.Subject{{
				Name:   ref.Context().Name(),
				Digest: map[string]string{h.Algorithm: h.Hex},
			}},
		},
		Predicate: predicate,
	})
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: statement: %w", predicateType, ref, err)
	}
	envelope, err := sigdsse.WrapSigner(s.key, types.IntotoPayloadType).SignMessage(bytes.NewReader(body), options.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	att, err := static.NewAttestation(envelope,
		static.WithLayerMediaType(types.DssePayloadType),
		static.WithAnnotations(map[string]string{predicateTypeAnnotation: predicateType}))
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	se, err := mutate.AttachAttestationToEntity(ociremote.SignedUnknown(ref, ociOpts...), att)
	if err != nil {
		return false, fmt.Errorf("attest %s to %s: %w", predicateType, ref, err)
	}
	if err := ociremote.WriteAttestations(ref.Context(), se, ociOpts...); err != nil {
		return false, fmt.Errorf("attest %s to %s: write attestation: %w", predicateType, ref, err)
	}
	return true, nil
}

// Attestation returns the predicate (JSON) of the newest attestation of
// predicateType attached to ref that verifies with this key and whose subject
// is ref's digest. Otherwise the error is ErrNoAttestation (none of this
// type), ErrDigestMismatch (valid, but for another digest) or ErrBadSignature
// (made by another key, or tampered with).
func (v *Verifier) Attestation(ctx context.Context, ref name.Digest, predicateType string, opts ...remote.Option) ([]byte, error) {
	h, err := imageHash(ref)
	if err != nil {
		return nil, fmt.Errorf("verify %s attestation of %s: %w", predicateType, ref, err)
	}
	atts, err := attestations(ref, ociOptions(ctx, opts))
	if err != nil {
		return nil, fmt.Errorf("verify %s attestation of %s: %w", predicateType, ref, err)
	}
	verdict, checked := ErrNoAttestation, 0
	// Newest first: Attest appends.
	for i := len(atts) - 1; i >= 0; i-- {
		st, err := v.checkAttestation(ctx, atts[i], h)
		if err == nil {
			if st.PredicateType == predicateType {
				return st.Predicate, nil
			}
			continue
		}
		if claimedType(atts[i]) != predicateType {
			continue
		}
		checked++
		switch {
		case errors.Is(err, ErrDigestMismatch):
			verdict = ErrDigestMismatch
		case verdict == ErrNoAttestation:
			verdict = ErrBadSignature
		}
	}
	if checked == 0 {
		return nil, fmt.Errorf("verify %s attestation of %s: %w", predicateType, ref, verdict)
	}
	return nil, fmt.Errorf("verify %s attestation of %s: %w (attestations checked: %d)", predicateType, ref, verdict, checked)
}

// checkAttestation verifies one attestation with cosign's own checks, the
// transparency log left out, and returns its statement: ErrBadSignature if
// the envelope does not verify with the key, ErrDigestMismatch if no subject
// is h.
func (v *Verifier) checkAttestation(ctx context.Context, att oci.Signature, h v1.Hash) (*statement, error) {
	if _, err := cosign.VerifyBlobAttestation(ctx, att, h, v.checkOpts()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if err := cosign.IntotoSubjectClaimVerifier(att, h, nil); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDigestMismatch, err)
	}
	st, err := unverifiedStatement(att)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return st, nil
}

// unverifiedStatement decodes the statement inside att's DSSE envelope
// without checking the signature.
func unverifiedStatement(att oci.Signature) (*statement, error) {
	p, err := att.Payload()
	if err != nil {
		return nil, err
	}
	var env dsse.Envelope
	if err := json.Unmarshal(p, &env); err != nil {
		return nil, fmt.Errorf("decode DSSE envelope: %w", err)
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("decode DSSE payload: %w", err)
	}
	var st statement
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("decode in-toto statement: %w", err)
	}
	return &st, nil
}

// claimedType is the predicate type att claims, unverified: its statement's,
// or, if that cannot be read, its layer annotation's.
func claimedType(att oci.Signature) string {
	if st, err := unverifiedStatement(att); err == nil {
		return st.PredicateType
	}
	ann, err := att.Annotations()
	if err != nil {
		return ""
	}
	return ann[predicateTypeAnnotation]
}

// decodePredicate checks that predicate is a JSON object under a named type
// and returns it decoded, for comparison.
func decodePredicate(predicateType string, predicate []byte) (any, error) {
	if predicateType == "" {
		return nil, fmt.Errorf("%w: empty predicate type", ErrInvalidPredicate)
	}
	v, err := decodeJSON(predicate)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPredicate, err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidPredicate)
	}
	return v, nil
}

// decodeJSON decodes one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}
