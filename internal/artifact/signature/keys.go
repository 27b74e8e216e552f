package signature

import (
	"crypto"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigstore "github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// Signer signs image digests and attestations with a cosign private key.
// It is safe for concurrent use.
type Signer struct {
	key sigstore.SignerVerifier
	// own verifies with the signer's public key, to find what it already signed.
	own *Verifier
}

// Verifier checks signatures and attestations against a cosign public key.
// It is safe for concurrent use.
type Verifier struct {
	key sigstore.Verifier
}

// GenerateKeys creates an ECDSA P-256 key pair in cosign's own format, the
// one `cosign generate-key-pair` writes: the private key encrypted with
// password as an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM block, the public key
// as a "PUBLIC KEY" PEM block.
func GenerateKeys(password []byte) (privatePEM, publicPEM []byte, err error) {
	keys, err := cosign.GenerateKeyPair(func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		return nil, nil, fmt.Errorf("generate signing key pair: %w", err)
	}
	return keys.PrivateBytes, keys.PublicBytes, nil
}

// LoadSigner decrypts a cosign private key (as written by GenerateKeys or
// `cosign generate-key-pair`) with password. A password that does not decrypt
// the key is ErrWrongPassword.
func LoadSigner(privatePEM, password []byte) (*Signer, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil {
		return nil, errors.New("load signing key: not a PEM file; want a cosign private key (cosign.key)")
	}
	if block.Type != cosign.SigstorePrivateKeyPemType && block.Type != cosign.CosignPrivateKeyPemType {
		return nil, fmt.Errorf("load signing key: PEM block %q is not a cosign private key; want %q",
			block.Type, cosign.SigstorePrivateKeyPemType)
	}
	key, err := cosign.LoadPrivateKey(privatePEM, password, nil)
	if err != nil {
		// cosign's error does not say which step failed; decrypting again
		// tells a wrong password from a key it cannot use.
		if _, derr := encrypted.Decrypt(block.Bytes, password); derr != nil {
			return nil, fmt.Errorf("load signing key: %w", ErrWrongPassword)
		}
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("load signing key: public key: %w", err)
	}
	own, err := newVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	return &Signer{key: key, own: own}, nil
}

// LoadVerifier reads a PEM public key (cosign.pub).
func LoadVerifier(publicPEM []byte) (*Verifier, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(publicPEM)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	v, err := newVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	return v, nil
}

// newVerifier loads pub with the options cosign.LoadPrivateKey uses for the
// private half, so a Signer's signatures verify with its Verifier whatever
// the key type.
func newVerifier(pub crypto.PublicKey) (*Verifier, error) {
	key, err := sigstore.LoadDefaultVerifier(pub, options.WithED25519ph())
	if err != nil {
		return nil, err
	}
	return &Verifier{key: key}, nil
}
