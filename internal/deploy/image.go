package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// unpackedImage is an image's file system on disk and its configuration.
type unpackedImage struct {
	// Rootfs is the directory holding the image's file system.
	Rootfs string
	Config v1.ConfigFile
}

// Files of an unpacked image, in Dir/images/<sha256 hex>.
const (
	rootfsDir  = "rootfs"
	configFile = "config.json"
)

// image returns the file system of the image ref names, pulling and
// unpacking it the first time only.
//
// The image is unpacked into a sibling directory that is renamed into place
// once complete, so a crash never leaves a half-unpacked tree where a later
// call would take it for a whole one.
func (p *Process) image(ctx context.Context, ref name.Digest) (unpackedImage, error) {
	images := filepath.Join(p.Dir, "images")
	hex := strings.TrimPrefix(ref.DigestStr(), "sha256:")
	final := filepath.Join(images, hex)
	if img, err := readUnpacked(final); err == nil {
		return img, nil
	}
	if err := os.MkdirAll(images, 0o755); err != nil {
		return unpackedImage{}, fmt.Errorf("image cache: %w", err)
	}
	unlock, err := lockFile(ctx, final+".lock")
	if err != nil {
		return unpackedImage{}, fmt.Errorf("lock image cache for %s: %w", ref, err)
	}
	defer unlock()
	// Another worker may have unpacked it while we waited for the lock.
	if img, err := readUnpacked(final); err == nil {
		return img, nil
	}

	// A tree without a readable configuration was not made by this code:
	// start again rather than run it.
	if err := os.RemoveAll(final); err != nil {
		return unpackedImage{}, fmt.Errorf("image cache: %w", err)
	}
	partial := final + ".partial"
	if err := os.RemoveAll(partial); err != nil {
		return unpackedImage{}, fmt.Errorf("remove the remains of an earlier unpack of %s: %w", ref, err)
	}
	if err := p.pullInto(ctx, ref, partial); err != nil {
		os.RemoveAll(partial)
		return unpackedImage{}, err
	}
	if err := os.Rename(partial, final); err != nil {
		os.RemoveAll(partial)
		return unpackedImage{}, fmt.Errorf("image cache: %w", err)
	}
	return readUnpacked(final)
}

// pullInto pulls ref and unpacks it into dir, which must not exist.
func (p *Process) pullInto(ctx context.Context, ref name.Digest, dir string) error {
	opts := append([]remote.Option{remote.WithPlatform(v1.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH})}, p.Remote...)
	opts = append(opts, remote.WithContext(ctx))
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	// remote checks this too; the image run must be the one that was signed.
	if desc.Digest.String() != ref.DigestStr() {
		return fmt.Errorf("%w: %s: the registry's manifest has digest %s", ErrBadImage, ref, desc.Digest)
	}
	img, err := desc.Image()
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("pull %s: config: %w", ref, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%w: %s: config: %v", ErrBadImage, ref, err)
	}
	if err := runnableHere(cfg); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadImage, ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("pull %s: layers: %w", ref, err)
	}

	if err := os.MkdirAll(filepath.Join(dir, rootfsDir), 0o755); err != nil {
		return fmt.Errorf("unpack %s: %w", ref, err)
	}
	root, err := os.OpenRoot(filepath.Join(dir, rootfsDir))
	if err != nil {
		return fmt.Errorf("unpack %s: %w", ref, err)
	}
	defer root.Close()
	for i, l := range layers {
		if err := unpackLayer(root, l); err != nil {
			return fmt.Errorf("unpack %s: layer %d of %d: %w", ref, i+1, len(layers), err)
		}
	}
	if err := writeFileSynced(filepath.Join(dir, configFile), raw); err != nil {
		return fmt.Errorf("unpack %s: %w", ref, err)
	}
	return nil
}

// unpackLayer applies one layer, reading it to the end so that its digest is
// checked against the manifest even when the tar ends early.
func unpackLayer(root *os.Root, l v1.Layer) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := applyLayer(root, rc); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return err
	}
	return rc.Close()
}

// runnableHere refuses an image built for another OS or architecture.
func runnableHere(cfg *v1.ConfigFile) error {
	if cfg.OS != "" && cfg.OS != runtime.GOOS {
		return fmt.Errorf("built for OS %q, this host runs %q", cfg.OS, runtime.GOOS)
	}
	if cfg.Architecture != "" && cfg.Architecture != runtime.GOARCH {
		return fmt.Errorf("built for architecture %q, this host runs %q", cfg.Architecture, runtime.GOARCH)
	}
	return nil
}

// readUnpacked reads an unpacked image from the cache.
func readUnpacked(dir string) (unpackedImage, error) {
	raw, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		return unpackedImage{}, err
	}
	var cfg v1.ConfigFile
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return unpackedImage{}, fmt.Errorf("image cache %s: %w", dir, err)
	}
	rootfs := filepath.Join(dir, rootfsDir)
	if fi, err := os.Stat(rootfs); err != nil || !fi.IsDir() {
		return unpackedImage{}, fmt.Errorf("image cache %s: no %s directory", dir, rootfsDir)
	}
	return unpackedImage{Rootfs: rootfs, Config: cfg}, nil
}

// defaultPath is the search path of an image that sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// entrypoint resolves the image's command: argv (Entrypoint then Cmd, as in
// the image), the program's path on the host and the working directory on
// the host, all checked to lie inside the image's root.
func (img unpackedImage) entrypoint() (argv []string, prog, workdir string, err error) {
	c := img.Config.Config
	argv = append(append([]string{}, c.Entrypoint...), c.Cmd...)
	if len(argv) == 0 {
		return nil, "", "", fmt.Errorf("%w: the image has neither Entrypoint nor Cmd", ErrBadImage)
	}
	// exec takes a relative program path as relative to the working
	// directory: both must be absolute.
	rootfs, err := filepath.Abs(img.Rootfs)
	if err != nil {
		return nil, "", "", err
	}
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return nil, "", "", err
	}
	defer root.Close()

	wd := inImage(c.WorkingDir, ".")
	if fi, err := root.Stat(wd); err != nil || !fi.IsDir() {
		return nil, "", "", fmt.Errorf("%w: working directory %q is not a directory in the image", ErrBadImage, c.WorkingDir)
	}

	var candidates []string
	if strings.Contains(argv[0], "/") {
		candidates = []string{inImage(argv[0], wd)}
	} else {
		search := defaultPath
		for _, e := range c.Env {
			if v, ok := strings.CutPrefix(e, "PATH="); ok {
				search = v
			}
		}
		for _, d := range filepath.SplitList(search) {
			candidates = append(candidates, inImage(filepath.Join(d, argv[0]), wd))
		}
	}
	for _, cand := range candidates {
		fi, err := root.Stat(cand)
		if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return argv, filepath.Join(rootfs, cand), filepath.Join(rootfs, wd), nil
		}
	}
	return nil, "", "", fmt.Errorf("%w: entrypoint %q is not an executable file in the image", ErrBadImage, argv[0])
}

// inImage turns a path inside the image (absolute, or relative to dir) into
// a clean path relative to the image's root, for use with an os.Root.
func inImage(p, dir string) string {
	if p == "" {
		return dir
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(strings.TrimPrefix(p, "/"))
	}
	return filepath.Join(dir, p)
}
