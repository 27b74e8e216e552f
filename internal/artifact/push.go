package artifact

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// userAgent is how Signalman introduces itself to registries.
const userAgent = "signalman"

// TagExistsError is returned by Push when the tag already names another image.
type TagExistsError struct {
	// Tag is the tag that was to be pushed.
	Tag name.Tag
	// Existing is the digest the tag names in the registry.
	Existing v1.Hash
	// Pushed is the digest of the image that was not pushed.
	Pushed v1.Hash
}

func (e *TagExistsError) Error() string {
	return fmt.Sprintf("push %s: the tag already names %s, not the image being pushed (%s); "+
		"tags are immutable and Signalman never overwrites one: release a new build (a new build number gives a new tag), "+
		"or, if %s was never deployed, delete the tag from the registry and retry",
		e.Tag, e.Existing, e.Pushed, e.Existing)
}

// RemoteOptions are the registry options for pushes and pulls made on behalf
// of ctx: credentials from the Docker configuration and credential helpers of
// the worker (authn.DefaultKeychain), never from workflow inputs.
func RemoteOptions(ctx context.Context) []remote.Option {
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithUserAgent(userAgent),
	}
}

// Push writes img under tag unless the tag exists, and returns the image's
// digest in tag's repository.
//
// Pushing the image a tag already names does nothing, so a retried push is
// safe. A tag that names another image is never overwritten: Push returns a
// *TagExistsError. opts are usually RemoteOptions(ctx).
func Push(ctx context.Context, img v1.Image, tag name.Tag, opts ...remote.Option) (name.Digest, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	digest, err := img.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("push %s: digest of the image: %w", tag, err)
	}
	ref := tag.Context().Digest(digest.String())

	existing, found, err := tagDigest(tag, opts)
	if err != nil {
		return name.Digest{}, fmt.Errorf("push %s: look up the tag: %w", tag, err)
	}
	if found {
		if existing != digest {
			return name.Digest{}, &TagExistsError{Tag: tag, Existing: existing, Pushed: digest}
		}
		return ref, nil
	}

	if err := remote.Write(tag, img, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("push %s: %w", tag, err)
	}
	// Two pushers can both find the tag absent; the registry keeps the last
	// write. Read the tag back so a lost race is reported, not hidden.
	existing, found, err = tagDigest(tag, opts)
	if err != nil {
		return name.Digest{}, fmt.Errorf("push %s: check the tag after writing: %w", tag, err)
	}
	if found && existing != digest {
		return name.Digest{}, &TagExistsError{Tag: tag, Existing: existing, Pushed: digest}
	}
	return ref, nil
}

// tagDigest is the digest tag names in its registry, if it exists.
func tagDigest(tag name.Tag, opts []remote.Option) (v1.Hash, bool, error) {
	desc, err := remote.Head(tag, opts...)
	if err == nil {
		return desc.Digest, true, nil
	}
	if notFound(err) {
		return v1.Hash{}, false, nil
	}
	// Some registries refuse HEAD on manifests; GET says the same thing.
	got, gerr := remote.Get(tag, opts...)
	if gerr == nil {
		return got.Digest, true, nil
	}
	if notFound(gerr) {
		return v1.Hash{}, false, nil
	}
	return v1.Hash{}, false, gerr
}

func notFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}
