// Package assets carries a release's static assets from its tagged commit
// to S3 buckets: Pack archives the asset directories of a checkout into
// one tar whose bytes depend on the files alone, Image makes it an OCI
// artifact for the registry, Fetch reads it back by digest and checks
// every file, and Upload writes each file once to a bucket under its tree
// hash, never overwriting an object.
package assets

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// File is one asset: its path in the repository (slash-separated), its
// size and the SHA-256 of its content, in hex.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Packed is an archive Pack wrote.
type Packed struct {
	// Files are the archive's files, sorted by path.
	Files []File
	// Tree is the content hash of all of them (TreeHash).
	Tree string
	// Digest and Size are the archive's own.
	Digest v1.Hash
	Size   int64
}

// ErrInvalid marks a problem of the assets themselves (a directory the
// commit lacks, a symbolic link, an artifact that does not hold what was
// packed): retrying cannot mend it.
var ErrInvalid = errors.New("invalid assets")

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// epoch is every archived file's modification time, so that the same
// files make the same archive whenever and wherever they are packed.
var epoch = time.Unix(0, 0).UTC()

// TreeHash is the content hash of files: the SHA-256, in hex, of the
// lines "SHA256  PATH" sorted by path, as `sha256sum` prints them.
func TreeHash(files []File) string {
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	h := sha256.New()
	for _, f := range sorted {
		fmt.Fprintf(h, "%s  %s\n", f.SHA256, f.Path)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Pack writes the regular files under dirs (slash-separated, relative to
// root, the checkout) to a tar archive at dst, sorted by path, each owned
// by root with mode 0644 and the same modification time, so the archive
// depends on the files alone. A directory the checkout lacks, a symbolic
// link or a directory that leads out of root is an ErrInvalid.
func Pack(root string, dirs []string, dst string) (*Packed, error) {
	names, err := list(root, dirs)
	if err != nil {
		return nil, err
	}
	out, err := os.Create(dst)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	digest := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(out, digest))
	p := &Packed{}
	for _, name := range names {
		f, err := archive(tw, root, name)
		if err != nil {
			return nil, fmt.Errorf("pack %s: %w", name, err)
		}
		p.Files = append(p.Files, f)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := out.Close(); err != nil {
		return nil, err
	}
	info, err := os.Stat(dst)
	if err != nil {
		return nil, err
	}
	p.Tree = TreeHash(p.Files)
	p.Digest = v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(digest.Sum(nil))}
	p.Size = info.Size()
	return p, nil
}

// list returns the paths of the regular files under dirs of root, sorted
// and each once.
func list(root string, dirs []string) ([]string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		if !filepath.IsLocal(filepath.FromSlash(dir)) {
			return nil, invalid("asset directory %q is not a directory of the repository", dir)
		}
		full := filepath.Join(root, filepath.FromSlash(dir))
		real, err := filepath.EvalSymlinks(full)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, invalid("asset directory %s: no such directory at the tagged commit", dir)
		}
		if err != nil {
			return nil, err
		}
		if real != filepath.Join(realRoot, filepath.FromSlash(dir)) {
			return nil, invalid("asset directory %s is, or is under, a symbolic link; list the directory it points to", dir)
		}
		if info, err := os.Stat(real); err != nil || !info.IsDir() {
			return nil, invalid("asset directory %s is not a directory at the tagged commit", dir)
		}
		err = filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				return invalid("asset %s is a symbolic link; assets are regular files: commit the file itself", name)
			case d.IsDir() && d.Name() == ".git":
				// A submodule's own git data, not part of the commit.
				return filepath.SkipDir
			case d.IsDir():
			case d.Type().IsRegular():
				seen[name] = true
			default:
				return invalid("asset %s is not a regular file", name)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// archive writes the file name of root to tw and describes it.
func archive(tw *tar.Writer, root, name string) (File, error) {
	in, err := os.Open(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		return File{}, err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return File{}, err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: path.Clean(name), Mode: 0o644, Size: info.Size(), ModTime: epoch}
	if err := tw.WriteHeader(hdr); err != nil {
		return File{}, err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), in, info.Size()); err != nil {
		return File{}, err
	}
	return File{Path: name, Size: info.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
