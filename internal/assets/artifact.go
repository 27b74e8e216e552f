package assets

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TreeAnnotation is the manifest annotation that holds an assets
// artifact's tree hash.
const TreeAnnotation = "dev.signalman.assets.tree"

// Tag is the tag of the assets artifact of tree: the tree hash itself, so
// the same files are pushed once, whichever release packs them.
func Tag(tree string) string { return "tree-" + tree }

// Image is the OCI artifact of an archive Pack wrote at file: one
// uncompressed tar layer, so the layer's digest is the archive's, and the
// tree hash as an annotation. Its digest depends on the files alone.
func Image(file string, p *Packed) (v1.Image, error) {
	layer := &tarLayer{file: file, digest: p.Digest, size: p.Size}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCIUncompressedLayer})
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, map[string]string{TreeAnnotation: p.Tree}).(v1.Image), nil
}

// tarLayer is an uncompressed layer read from a file on disk, so that
// large assets are never held in memory.
type tarLayer struct {
	file   string
	digest v1.Hash
	size   int64
}

func (l *tarLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *tarLayer) DiffID() (v1.Hash, error)             { return l.digest, nil }
func (l *tarLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.file) }
func (l *tarLayer) Uncompressed() (io.ReadCloser, error) { return os.Open(l.file) }
func (l *tarLayer) Size() (int64, error)                 { return l.size, nil }
func (l *tarLayer) MediaType() (types.MediaType, error)  { return types.OCIUncompressedLayer, nil }

// Fetch reads the assets artifact ref (repository@sha256:...) and writes
// its files under dir, checking each against files, the manifest the
// release recorded when it packed them: a file missing, added, or with
// other content is an ErrInvalid. opts are the registry options.
func Fetch(ref string, files []File, dir string, opts ...remote.Option) error {
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		return invalid("assets artifact %q is not addressed by digest: %v", ref, err)
	}
	img, err := remote.Image(d, opts...)
	if err != nil {
		return fmt.Errorf("pull assets %s: %w", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("pull assets %s: %w", ref, err)
	}
	if len(layers) != 1 {
		return invalid("assets artifact %s has %d layers, not the one Signalman packs", ref, len(layers))
	}
	// The layer is stored as it was packed: its blob is the archive, and
	// reading it checks the digest.
	rc, err := layers[0].Compressed()
	if err != nil {
		return fmt.Errorf("pull assets %s: %w", ref, err)
	}
	defer rc.Close()
	want := make(map[string]File, len(files))
	for _, f := range files {
		want[f.Path] = f
	}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("pull assets %s: %w", ref, err)
		}
		f, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			return invalid("assets artifact %s holds %s, which the release did not pack", ref, h.Name)
		}
		delete(want, h.Name)
		if err := extract(tr, dir, f); err != nil {
			return fmt.Errorf("pull assets %s: %w", ref, err)
		}
	}
	for _, f := range files {
		if _, missing := want[f.Path]; missing {
			return invalid("assets artifact %s lacks %s, which the release packed", ref, f.Path)
		}
	}
	return nil
}

// extract writes the file f from r under dir and checks its content.
func extract(r io.Reader, dir string, f File) error {
	if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
		return invalid("asset path %q is not inside the repository", f.Path)
	}
	dst := filepath.Join(dir, filepath.FromSlash(f.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Size || sum != f.SHA256 {
		return invalid("asset %s in the artifact has %d bytes with SHA-256 %s, but the release packed %d bytes with SHA-256 %s", f.Path, n, sum, f.Size, f.SHA256)
	}
	return nil
}
