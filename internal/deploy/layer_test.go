package deploy

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// tree describes a directory: slash path -> "dir", "file:<content>" or
// "link:<target>".
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link:" + target
		case d.IsDir():
			out[rel] = "dir"
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = "file:" + string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// applyLayers applies layers to a fresh root inside a fresh directory and
// returns the root's path.
func applyLayers(t *testing.T, layers ...[]tarEntry) (string, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, l := range layers {
		if err := applyLayer(root, bytes.NewReader(layerTar(t, l))); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

func TestApplyLayer(t *testing.T) {
	base := []tarEntry{
		{Name: "etc/", Type: tar.TypeDir},
		{Name: "etc/app.conf", Body: "old"},
		{Name: "etc/keep.conf", Body: "keep"},
		{Name: "var/cache/", Type: tar.TypeDir},
		{Name: "var/cache/a", Body: "a"},
	}
	tests := []struct {
		name   string
		layers [][]tarEntry
		want   map[string]string
	}{
		{
			name:   "files_and_directories_in_order",
			layers: [][]tarEntry{base},
			want: map[string]string{
				"etc": "dir", "etc/app.conf": "file:old", "etc/keep.conf": "file:keep",
				"var": "dir", "var/cache": "dir", "var/cache/a": "file:a",
			},
		},
		{
			name:   "later_layer_overwrites_a_file",
			layers: [][]tarEntry{base, {{Name: "etc/app.conf", Body: "new"}}},
			want: map[string]string{
				"etc": "dir", "etc/app.conf": "file:new", "etc/keep.conf": "file:keep",
				"var": "dir", "var/cache": "dir", "var/cache/a": "file:a",
			},
		},
		{
			name:   "whiteout_removes_a_file_below",
			layers: [][]tarEntry{base, {{Name: "etc/.wh.app.conf"}}},
			want: map[string]string{
				"etc": "dir", "etc/keep.conf": "file:keep",
				"var": "dir", "var/cache": "dir", "var/cache/a": "file:a",
			},
		},
		{
			name:   "whiteout_removes_a_directory_below_with_its_tree",
			layers: [][]tarEntry{base, {{Name: "var/.wh.cache"}}},
			want:   map[string]string{"etc": "dir", "etc/app.conf": "file:old", "etc/keep.conf": "file:keep", "var": "dir"},
		},
		{
			name: "opaque_directory_hides_what_is_below_but_keeps_its_own_layer",
			layers: [][]tarEntry{base, {
				{Name: "etc/new.conf", Body: "before the marker"},
				{Name: "etc/.wh..wh..opq"},
				{Name: "etc/later.conf", Body: "after the marker"},
			}},
			want: map[string]string{
				"etc": "dir", "etc/new.conf": "file:before the marker", "etc/later.conf": "file:after the marker",
				"var": "dir", "var/cache": "dir", "var/cache/a": "file:a",
			},
		},
		{
			name:   "whiteout_does_not_hide_its_own_layer",
			layers: [][]tarEntry{{{Name: "x", Body: "x"}, {Name: ".wh.x"}}},
			want:   map[string]string{"x": "file:x"},
		},
		{
			name: "absolute_symbolic_links_become_relative",
			layers: [][]tarEntry{{
				{Name: "bin/busybox", Body: "bb"},
				{Name: "bin/sh", Type: tar.TypeSymlink, Linkname: "/bin/busybox"},
				{Name: "app/conf/app.conf", Type: tar.TypeSymlink, Linkname: "/etc/app.conf"},
				{Name: "root", Type: tar.TypeSymlink, Linkname: "/"},
			}},
			want: map[string]string{
				"bin": "dir", "bin/busybox": "file:bb", "bin/sh": "link:../bin/busybox",
				"app": "dir", "app/conf": "dir", "app/conf/app.conf": "link:../../etc/app.conf",
				"root": "link:.",
			},
		},
		{
			name:   "hard_link_to_an_earlier_entry",
			layers: [][]tarEntry{{{Name: "a", Body: "same"}, {Name: "b", Type: tar.TypeLink, Linkname: "a"}}},
			want:   map[string]string{"a": "file:same", "b": "file:same"},
		},
		{
			name: "file_replaces_a_symbolic_link_without_writing_through_it",
			layers: [][]tarEntry{
				{{Name: "target", Body: "untouched"}, {Name: "link", Type: tar.TypeSymlink, Linkname: "target"}},
				{{Name: "link", Body: "replaced"}},
			},
			want: map[string]string{"target": "file:untouched", "link": "file:replaced"},
		},
		{
			name:   "file_replaces_a_directory",
			layers: [][]tarEntry{base, {{Name: "var/cache", Body: "now a file"}}},
			want: map[string]string{
				"etc": "dir", "etc/app.conf": "file:old", "etc/keep.conf": "file:keep",
				"var": "dir", "var/cache": "file:now a file",
			},
		},
		{
			name:   "leading_dot_slash_and_inner_dot_dot_that_stays_inside",
			layers: [][]tarEntry{{{Name: "./a/../b", Body: "b"}, {Name: "./", Type: tar.TypeDir}}},
			want:   map[string]string{"b": "file:b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := applyLayers(t, tt.layers...)
			if err != nil {
				t.Fatal(err)
			}
			if got := tree(t, dir); !maps.Equal(got, tt.want) {
				t.Errorf("tree\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestApplyLayerRefuses(t *testing.T) {
	tests := []struct {
		name         string
		layers       [][]tarEntry
		wantSentinel bool // ErrBadImage; otherwise the root stops it
	}{
		{"path_climbing_out", [][]tarEntry{{{Name: "../escape", Body: "x"}}}, true},
		{"path_climbing_out_through_a_directory", [][]tarEntry{{{Name: "a/../../escape", Body: "x"}}}, true},
		{"absolute_path", [][]tarEntry{{{Name: "/escape", Body: "x"}}}, true},
		{"symbolic_link_climbing_out", [][]tarEntry{{{Name: "a/b", Type: tar.TypeSymlink, Linkname: "../../escape"}}}, true},
		{"hard_link_to_outside", [][]tarEntry{{{Name: "a", Type: tar.TypeLink, Linkname: "../escape"}}}, true},
		{"whiteout_climbing_out", [][]tarEntry{{{Name: "../.wh.escape"}}}, true},
		{"writing_through_a_chain_of_links_that_leaves", [][]tarEntry{{
			{Name: "x", Type: tar.TypeSymlink, Linkname: "."},
			{Name: "y", Type: tar.TypeSymlink, Linkname: "x/.."},
			{Name: "y/escape", Body: "x"},
		}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := applyLayers(t, tt.layers...)
			if err == nil {
				t.Fatal("applied, want an error")
			}
			if tt.wantSentinel && !errors.Is(err, ErrBadImage) {
				t.Errorf("error %v, want ErrBadImage", err)
			}
			if _, err := os.Lstat(filepath.Join(filepath.Dir(dir), "escape")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a file was written outside the root: %v", err)
			}
		})
	}
}

func TestLinkTarget(t *testing.T) {
	tests := []struct{ name, target, want string }{
		{"bin/sh", "busybox", "busybox"},
		{"bin/sh", "/bin/busybox", "../bin/busybox"},
		{"usr/lib/x/libc.so", "/lib/libc.so.6", "../../../lib/libc.so.6"},
		{"lib", "usr/lib", "usr/lib"},
		{"lib", "/usr/lib", "usr/lib"},
		{"a/b", "../c", "../c"},
		{"a", "/", "."},
	}
	for _, tt := range tests {
		got, err := linkTarget(tt.name, tt.target)
		if err != nil || got != tt.want {
			t.Errorf("linkTarget(%q, %q) = %q, %v; want %q", tt.name, tt.target, got, err, tt.want)
		}
	}
}

// FuzzApplyLayer checks that no layer, however malformed, writes outside
// the root it is applied to.
func FuzzApplyLayer(f *testing.F) {
	f.Add(layerTar(f, []tarEntry{{Name: "a/b", Body: "x"}, {Name: "a/.wh.b"}}))
	f.Add(layerTar(f, []tarEntry{{Name: "l", Type: tar.TypeSymlink, Linkname: "/"}, {Name: "l/x", Body: "x"}}))
	f.Add(layerTar(f, []tarEntry{{Name: "x", Type: tar.TypeSymlink, Linkname: "."}, {Name: "y", Type: tar.TypeSymlink, Linkname: "x/.."}, {Name: "y/z", Body: "x"}}))
	f.Add(layerTar(f, []tarEntry{{Name: "d/", Type: tar.TypeDir}, {Name: "d/.wh..wh..opq"}, {Name: "h", Type: tar.TypeLink, Linkname: "d"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "rootfs")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		_ = applyLayer(root, bytes.NewReader(data))
		entries, err := os.ReadDir(parent)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "rootfs" {
			t.Fatalf("the layer wrote next to the root: %v", entries)
		}
	})
}
