package deploy

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// OCI whiteout names: ".wh.<name>" deletes <name> of the layers below, and
// ".wh..wh..opq" empties its directory of what the layers below put there.
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// applyLayer unpacks one uncompressed layer tar onto root, over the layers
// applied before it.
//
// Every write goes through root, which refuses any path, however reached
// through links, that leaves it. On top of that, an entry whose name is
// absolute or climbs out with "..", and a link whose target does, are
// refused with ErrBadImage: such an entry means a broken or tampered image.
// Absolute symbolic link targets, normal in images, are rewritten relative to
// the link, so they stay inside root. Ownership, device files and FIFOs are
// not reproduced: the process target runs as the worker's user.
func applyLayer(root *os.Root, layer io.Reader) error {
	tr := tar.NewReader(layer)
	// added holds the entries of this layer: whiteouts hide only what the
	// layers below put there.
	added := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read layer: %w", err)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return err
		}
		if name == "." {
			continue
		}
		dir, base := path.Split(name)
		dir = path.Clean(dir)
		if base == whiteoutOpaque {
			if err := emptyDir(root, dir, added); err != nil {
				return err
			}
			continue
		}
		if hidden, ok := strings.CutPrefix(base, whiteoutPrefix); ok {
			target := path.Join(dir, hidden)
			if !added[target] {
				if err := root.RemoveAll(target); err != nil {
					return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
				}
			}
			continue
		}
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		if err := applyEntry(root, tr, hdr, name); err != nil {
			return err
		}
		added[name] = true
	}
}

// applyEntry creates one entry, replacing what the layers below left there.
func applyEntry(root *os.Root, r io.Reader, hdr *tar.Header, name string) error {
	perm := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		if fi, err := root.Lstat(name); err == nil && fi.IsDir() {
			return root.Chmod(name, perm|0o700)
		}
		if err := removeEntry(root, name); err != nil {
			return err
		}
		// Owner write and search keep the tree unpackable and removable.
		if err := root.Mkdir(name, 0o700); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		return root.Chmod(name, perm|0o700)
	case tar.TypeReg:
		if err := removeEntry(root, name); err != nil {
			return err
		}
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		return root.Chmod(name, perm)
	case tar.TypeSymlink:
		target, err := linkTarget(name, hdr.Linkname)
		if err != nil {
			return err
		}
		if err := removeEntry(root, name); err != nil {
			return err
		}
		if err := root.Symlink(target, name); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		return nil
	case tar.TypeLink:
		old, err := entryName(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link %q: %w", hdr.Name, err)
		}
		if err := removeEntry(root, name); err != nil {
			return err
		}
		if err := root.Link(old, name); err != nil {
			return fmt.Errorf("layer entry %q: %w", hdr.Name, err)
		}
		return nil
	default:
		return nil
	}
}

// entryName cleans a layer path to a slash path relative to the root, and
// refuses one that is absolute or climbs above the root.
func entryName(raw string) (string, error) {
	if raw == "" || strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("%w: layer path %q is absolute or empty", ErrBadImage, raw)
	}
	name := path.Clean(raw)
	if name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("%w: layer path %q leaves the image's root", ErrBadImage, raw)
	}
	return name, nil
}

// linkTarget checks the target of a symbolic link at name (a clean relative
// path): a relative one may not climb above the root; an absolute one, which
// inside the image means from its root, is rewritten relative to the link.
func linkTarget(name, target string) (string, error) {
	if target == "" {
		return "", fmt.Errorf("%w: symbolic link %q has no target", ErrBadImage, name)
	}
	dir := path.Dir(name)
	if path.IsAbs(target) {
		rel := strings.TrimPrefix(path.Clean(target), "/")
		up := 0
		if dir != "." {
			up = strings.Count(dir, "/") + 1
		}
		return path.Clean(strings.Repeat("../", up) + rel), nil
	}
	if to := path.Join(dir, target); to == ".." || strings.HasPrefix(to, "../") {
		return "", fmt.Errorf("%w: symbolic link %q -> %q leaves the image's root", ErrBadImage, name, target)
	}
	return target, nil
}

// removeEntry removes whatever is at name, if anything, so an entry can replace it.
func removeEntry(root *os.Root, name string) error {
	if err := root.RemoveAll(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replace %q: %w", name, err)
	}
	return nil
}

// emptyDir removes from dir everything the layers below put there, keeping
// what this layer added (and, in directories this layer added, only that).
func emptyDir(root *os.Root, dir string, added map[string]bool) error {
	f, err := root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opaque whiteout in %q: %w", dir, err)
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return fmt.Errorf("opaque whiteout in %q: %w", dir, err)
	}
	for _, e := range entries {
		child := path.Join(dir, e.Name())
		switch {
		case !added[child]:
			if err := root.RemoveAll(child); err != nil {
				return fmt.Errorf("opaque whiteout in %q: %w", dir, err)
			}
		case e.IsDir():
			if err := emptyDir(root, child, added); err != nil {
				return err
			}
		}
	}
	return nil
}
