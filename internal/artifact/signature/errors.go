package signature

import "errors"

// Verification failures. Deploys refuse an image on any of them; none is worth
// retrying, since the registry will say the same thing again.
var (
	// ErrUnsigned reports an image digest with no signature at all.
	ErrUnsigned = errors.New("no signature")
	// ErrBadSignature reports signatures (or attestations) that exist but none
	// verifies with the public key: they were made by another key, or tampered with.
	ErrBadSignature = errors.New("signature does not verify with the public key (signed by another key, or tampered with)")
	// ErrDigestMismatch reports a signature (or attestation) that verifies with
	// the key but was made for another image digest, e.g. copied from another image.
	ErrDigestMismatch = errors.New("signature is for another image digest")
	// ErrNoAttestation reports an image with no attestation of the requested
	// predicate type.
	ErrNoAttestation = errors.New("no attestation of this predicate type")
)

// Bad input: retrying cannot help.
var (
	// ErrWrongPassword reports a private key that the password does not decrypt.
	ErrWrongPassword = errors.New("wrong password for the signing key")
	// ErrImageNotFound reports a digest that the registry does not hold, so
	// there is nothing to sign or attest.
	ErrImageNotFound = errors.New("image not found in the registry")
	// ErrInvalidPredicate reports an attestation predicate that is not a JSON
	// object, or an empty predicate type.
	ErrInvalidPredicate = errors.New("invalid attestation predicate")
)
