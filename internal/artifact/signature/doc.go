// Package signature signs and verifies images with cosign key pairs, and
// attaches and verifies in-toto attestations (SBOM, provenance) the cosign way.
//
// Everything happens offline with a key pair: no Fulcio certificate, no Rekor
// transparency log, no TUF root. The only network peer is the registry that
// holds the image. Signatures live at <repo>:sha256-<hex>.sig and attestations
// at <repo>:sha256-<hex>.att, in the formats the cosign CLI writes, so
//
//	cosign verify --key cosign.pub --insecure-ignore-tlog=true <image@digest>
//	cosign verify-attestation --key cosign.pub --insecure-ignore-tlog=true --type <type> <image@digest>
//
// accept what this package writes. Images are addressed by digest only.
//
// Registry access takes go-containerregistry remote options (authentication,
// transport); without them access is anonymous. The COSIGN_REPOSITORY
// environment variable is not consulted: signatures always sit beside the image.
//
// Signing and attesting check before acting, so a retried activity never adds
// a second copy; two concurrent calls for the same digest can still race, as
// the registry offers no compare-and-swap on tags.
package signature
