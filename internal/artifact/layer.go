package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fileLayer is a gzipped OCI layer holding one executable file at name (an
// absolute path) and its parent directories, owned by root, all with mtime.
//
// Every byte is fixed by the inputs: entries in path order, no user or group
// names, no access or change times, and a gzip header without name or time.
func fileLayer(name string, data []byte, mtime time.Time) (v1.Layer, error) {
	name = strings.TrimPrefix(path.Clean(name), "/")
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, dir := range parents(name) {
		if err := tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir, Name: dir + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatUSTAR,
		}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg, Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatUSTAR,
	}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}

	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	blob := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blob)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// parents lists the directories above a slash-separated relative path,
// outermost first: "a/b/c" gives "a", "a/b".
func parents(name string) []string {
	var dirs []string
	for i, r := range name {
		if r == '/' {
			dirs = append(dirs, name[:i])
		}
	}
	return dirs
}

// imageConfig is what singleLayerImage writes into the image configuration.
type imageConfig struct {
	entrypoint string
	created    time.Time
	labels     map[string]string
	createdBy  string
}

// singleLayerImage is an OCI image for linux on the host's architecture
// holding layer alone.
func singleLayerImage(layer v1.Layer, c imageConfig) (v1.Image, error) {
	cfg := &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Created:      v1.Time{Time: c.created},
		Config: v1.Config{
			Entrypoint: []string{c.entrypoint},
			Labels:     c.labels,
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	return mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{Created: v1.Time{Time: c.created}, CreatedBy: c.createdBy},
	})
}

// ErrFileNotFound is returned by ExtractFile when the image has no such file.
var ErrFileNotFound = errors.New("file not found in image")

// ExtractFile copies the regular file at name (an absolute path in the
// image's file system, after all layers are applied) to dst, executable if it
// was executable in the image.
func ExtractFile(img v1.Image, name, dst string) error {
	want := strings.TrimPrefix(path.Clean("/"+name), "/")
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("extract %s: %w", name, ErrFileNotFound)
		}
		if err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if strings.TrimPrefix(path.Clean("/"+h.Name), "/") != want {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("extract %s: not a regular file in the image", name)
		}
		return writeFile(dst, tr, os.FileMode(h.Mode)&0o755)
	}
}

func writeFile(dst string, r io.Reader, mode os.FileMode) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return f.Close()
}
