package assets

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/signalman/signalman/internal/registry"
)

// writeTree writes files (slash paths to content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var shop = map[string]string{
	"web/static/shop.css":     "body { color: teal }\n",
	"web/static/favicon.svg":  "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
	"web/static/img/logo.svg": "<svg/>\n",
	"web/web.go":              "package web\n",
	"docs/img/map.txt":        "map\n",
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestPack_lists_the_directories_files_sorted_with_their_hashes(t *testing.T) {
	root := writeTree(t, shop)
	p, err := Pack(root, []string{"web/static", "docs/img"}, filepath.Join(t.TempDir(), "assets.tar"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docs/img/map.txt", "web/static/favicon.svg", "web/static/img/logo.svg", "web/static/shop.css"}
	if len(p.Files) != len(want) {
		t.Fatalf("files %+v, want %v", p.Files, want)
	}
	var lines strings.Builder
	for i, f := range p.Files {
		if f.Path != want[i] || f.Size != int64(len(shop[f.Path])) || f.SHA256 != sum(shop[f.Path]) {
			t.Errorf("file %d is %+v, want %s with its size and SHA-256", i, f, want[i])
		}
		fmt.Fprintf(&lines, "%s  %s\n", sum(shop[want[i]]), want[i])
	}
	// The tree hash is what `sha256sum` of the files, sorted, hashes to.
	if p.Tree != sum(lines.String()) {
		t.Errorf("tree %s, want the SHA-256 of\n%s", p.Tree, lines.String())
	}
}

func TestPack_depends_on_the_files_alone(t *testing.T) {
	a := writeTree(t, shop)
	b := writeTree(t, shop)
	// Other times, modes and an untracked-looking neighbour change nothing.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(b, "web/static/shop.css"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(b, "web/static/favicon.svg"), 0o755); err != nil {
		t.Fatal(err)
	}
	pa, err := Pack(a, []string{"web/static"}, filepath.Join(t.TempDir(), "a.tar"))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Pack(b, []string{"./web/static/"}, filepath.Join(t.TempDir(), "b.tar"))
	if err != nil {
		t.Fatal(err)
	}
	if pa.Digest != pb.Digest || pa.Tree != pb.Tree || pa.Size != pb.Size {
		t.Errorf("the same files packed as %s (tree %s) and %s (tree %s)", pa.Digest, pa.Tree, pb.Digest, pb.Tree)
	}
	ia, err := Image(filepath.Join(t.TempDir(), "missing"), pa)
	if err != nil {
		t.Fatal(err)
	}
	ib, _ := Image(filepath.Join(t.TempDir(), "missing"), pb)
	da, _ := ia.Digest()
	db, _ := ib.Digest()
	if da != db {
		t.Errorf("the same files make artifacts %s and %s", da, db)
	}

	changed := writeTree(t, shop)
	if err := os.WriteFile(filepath.Join(changed, "web/static/shop.css"), []byte("body { color: red }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pc, err := Pack(changed, []string{"web/static"}, filepath.Join(t.TempDir(), "c.tar"))
	if err != nil {
		t.Fatal(err)
	}
	if pc.Tree == pa.Tree || pc.Digest == pa.Digest {
		t.Error("other content packs to the same tree hash or digest")
	}
}

func TestPack_refuses_what_is_not_a_directory_of_regular_files(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string)
		dir   string
		want  string
	}{
		{"a_directory_the_commit_lacks", nil, "web/public", "asset directory web/public: no such directory at the tagged commit"},
		{"a_file", nil, "web/web.go", "asset directory web/web.go is not a directory at the tagged commit"},
		{"a_path_outside", nil, "../etc", `asset directory "../etc" is not a directory of the repository`},
		{"a_symbolic_link_to_a_file", func(t *testing.T, root string) {
			if err := os.Symlink("/etc/passwd", filepath.Join(root, "web/static/passwd")); err != nil {
				t.Fatal(err)
			}
		}, "web/static", "asset web/static/passwd is a symbolic link; assets are regular files: commit the file itself"},
		{"a_directory_that_is_a_link", func(t *testing.T, root string) {
			if err := os.Symlink(t.TempDir(), filepath.Join(root, "web/elsewhere")); err != nil {
				t.Fatal(err)
			}
		}, "web/elsewhere", "asset directory web/elsewhere is, or is under, a symbolic link; list the directory it points to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeTree(t, shop)
			if tt.setup != nil {
				tt.setup(t, root)
			}
			_, err := Pack(root, []string{tt.dir}, filepath.Join(t.TempDir(), "assets.tar"))
			if !errors.Is(err, ErrInvalid) || err.Error() != tt.want {
				t.Errorf("Pack(%s) = %v, want ErrInvalid: %s", tt.dir, err, tt.want)
			}
		})
	}
}

// TestFetch pushes an artifact to a real registry and reads it back by
// digest, checking every file against the manifest.
func TestFetch(t *testing.T) {
	reg, err := registry.Start(context.Background(), registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", BlobGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	root := writeTree(t, shop)
	file := filepath.Join(t.TempDir(), "assets.tar")
	p, err := Pack(root, []string{"web/static"}, file)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Image(file, p)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(reg.Host()+"/shop/assets:"+Tag(p.Tree), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	ref := tag.Context().Digest(digest.String()).String()

	dir := t.TempDir()
	if err := Fetch(ref, p.Files, dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil || string(data) != shop[f.Path] {
			t.Errorf("%s fetched as %q (%v), want %q", f.Path, data, err, shop[f.Path])
		}
	}

	// The layer is the archive as packed: a plain tar of the files.
	layers, _ := img.Layers()
	rc, _ := layers[0].Uncompressed()
	defer rc.Close()
	if h, err := tar.NewReader(rc).Next(); err != nil || h.Name != "web/static/favicon.svg" || !h.ModTime.Equal(epoch) {
		t.Errorf("first entry %+v (%v), want web/static/favicon.svg at the epoch", h, err)
	}
	io.Copy(io.Discard, rc)

	t.Run("refuses_an_artifact_that_is_not_what_was_packed", func(t *testing.T) {
		other := append([]File(nil), p.Files...)
		other[0].SHA256 = sum("something else")
		if err := Fetch(ref, other, t.TempDir()); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "asset web/static/favicon.svg in the artifact has") {
			t.Errorf("Fetch with another SHA-256 = %v, want it refused", err)
		}
		if err := Fetch(ref, p.Files[1:], t.TempDir()); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "which the release did not pack") {
			t.Errorf("Fetch of fewer files = %v, want the extra one refused", err)
		}
		more := append(append([]File(nil), p.Files...), File{Path: "web/static/new.css", Size: 1, SHA256: sum("x")})
		if err := Fetch(ref, more, t.TempDir()); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "lacks web/static/new.css") {
			t.Errorf("Fetch of more files = %v, want the missing one named", err)
		}
	})
}
