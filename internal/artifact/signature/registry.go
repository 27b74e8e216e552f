package signature

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sigstore/cosign/v2/pkg/oci"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
)

// remoteOptions appends ctx to the caller's options; it goes last so that it
// is the one in force.
func remoteOptions(ctx context.Context, opts []remote.Option) []remote.Option {
	return append(slices.Clip(opts), remote.WithContext(ctx))
}

// ociOptions wraps the caller's options for cosign's registry client. They
// replace its default (the Docker keychain), so access is exactly what the
// caller configured.
func ociOptions(ctx context.Context, opts []remote.Option) []ociremote.Option {
	return []ociremote.Option{ociremote.WithRemoteOptions(remoteOptions(ctx, opts)...)}
}

// imageHash is ref's digest as a hash.
func imageHash(ref name.Digest) (v1.Hash, error) {
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	return h, nil
}

// requireImage fails with ErrImageNotFound unless the registry holds ref.
func requireImage(ctx context.Context, ref name.Digest, opts []remote.Option) error {
	_, err := remote.Head(ref, remoteOptions(ctx, opts)...)
	if terr := (*transport.Error)(nil); errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return ErrImageNotFound
	}
	return err
}

// signatures reads the signatures attached to ref (the .sig tag); none is an
// empty list, not an error.
func signatures(ref name.Digest, opts []ociremote.Option) ([]oci.Signature, error) {
	tag, err := ociremote.SignatureTag(ref, opts...)
	if err != nil {
		return nil, err
	}
	return attached(tag, opts)
}

// attestations reads the attestations attached to ref (the .att tag); none is
// an empty list, not an error.
func attestations(ref name.Digest, opts []ociremote.Option) ([]oci.Signature, error) {
	tag, err := ociremote.AttestationTag(ref, opts...)
	if err != nil {
		return nil, err
	}
	return attached(tag, opts)
}

// attached reads every layer of the cosign image at tag into memory, so that
// each payload is fetched (and its digest checked) once.
func attached(tag name.Tag, opts []ociremote.Option) ([]oci.Signature, error) {
	sigs, err := ociremote.Signatures(tag, opts...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", tag, err)
	}
	layers, err := sigs.Get()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", tag, err)
	}
	out := make([]oci.Signature, 0, len(layers))
	for _, l := range layers {
		c, err := static.Copy(l)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", tag, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Signatures counts the signatures attached to ref, by any key, valid or not.
func Signatures(ctx context.Context, ref name.Digest, opts ...remote.Option) (int, error) {
	sigs, err := signatures(ref, ociOptions(ctx, opts))
	if err != nil {
		return 0, fmt.Errorf("count signatures of %s: %w", ref, err)
	}
	return len(sigs), nil
}

// Attestations counts the attestations attached to ref, of any predicate
// type, by any key, valid or not.
func Attestations(ctx context.Context, ref name.Digest, opts ...remote.Option) (int, error) {
	atts, err := attestations(ref, ociOptions(ctx, opts))
	if err != nil {
		return 0, fmt.Errorf("count attestations of %s: %w", ref, err)
	}
	return len(atts), nil
}
