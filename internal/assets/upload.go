package assets

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Key is the object key of the asset at file (its path in the
// repository) of tree under prefix: PREFIX/TREE/PATH.
func Key(prefix, tree, file string) string {
	return path.Join(prefix, tree, file)
}

// Uploaded counts what Upload did.
type Uploaded struct {
	// Written are the objects it wrote; Skipped those that held the same
	// content already (an earlier release, or an attempt cut short).
	Written, Skipped int
}

// ConflictError is an upload refused because keys it would write hold
// other content. Nothing is overwritten, ever.
type ConflictError struct {
	// Objects are the keys' addresses (s3://bucket/key), each with what
	// it holds.
	Objects []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s already hold(s) other content than this release's, and Signalman never overwrites an object: "+
		"find out what wrote it; if nothing serves it, delete it and retry the release", strings.Join(e.Objects, ", "))
}

// Upload writes each of files, extracted under dir (Fetch), to b as
// Key(prefix, tree, path). An object that exists with the same content
// is left as it is; one with other content is refused with a
// *ConflictError before anything is written. done is told each object
// written or skipped.
func Upload(ctx context.Context, b *Bucket, prefix, tree string, files []File, dir string, done func(key string)) (Uploaded, error) {
	var up Uploaded
	var todo []File
	var conflicts []string
	for _, f := range files {
		key := Key(prefix, tree, f.Path)
		sum, found, err := b.Stat(ctx, key)
		switch {
		case err != nil:
			return up, err
		case !found:
			todo = append(todo, f)
		case sum == f.SHA256:
			up.Skipped++
			done(key)
		default:
			conflicts = append(conflicts, described(b, key, sum))
		}
	}
	if len(conflicts) > 0 {
		return up, &ConflictError{Objects: conflicts}
	}
	for _, f := range todo {
		key := Key(prefix, tree, f.Path)
		err := b.Put(ctx, key, filepath.Join(dir, filepath.FromSlash(f.Path)), f.SHA256)
		if errors.Is(err, errExists) {
			// Written meanwhile: by this upload's attempt that was cut
			// short after the store took it, or by someone else.
			sum, _, serr := b.Stat(ctx, key)
			if serr != nil {
				return up, serr
			}
			if sum != f.SHA256 {
				return up, &ConflictError{Objects: []string{described(b, key, sum)}}
			}
			up.Skipped++
			done(key)
			continue
		}
		if err != nil {
			return up, err
		}
		up.Written++
		done(key)
	}
	return up, nil
}

// described is the address of the object at key, which holds other
// content than an asset: the SHA-256 Put recorded for it, if any.
func described(b *Bucket, key, sum string) string {
	if sum == "" {
		return b.URL(key) + " (not written by Signalman)"
	}
	return fmt.Sprintf("%s (SHA-256 %s)", b.URL(key), sum)
}
