package artifact

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestBuildGoIsReproducible(t *testing.T) {
	ctx := context.Background()
	env := goEnv(t)
	digest := func(version string) string {
		img, err := BuildGo(ctx, helloBuild(t, env, version))
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}

	first, second := digest("v1.2.3"), digest("v1.2.3")
	if first != second {
		t.Errorf("same commit built twice in two checkouts: digests %s and %s differ", first, second)
	}
	if other := digest("v1.2.4"); other == first {
		t.Errorf("another version gave the same digest %s", other)
	}
}

func TestBuildGoImage(t *testing.T) {
	b := helloBuild(t, goEnv(t), "v1.2.3")
	var logged []string
	b.Log = func(line string) { logged = append(logged, line) }
	b.Env = append(b.Env, "GOFLAGS=-mod=mod -modcacherw -x") // -x makes go build print its commands
	img, err := BuildGo(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) == 0 {
		t.Error("go build printed nothing to Log")
	}

	t.Run("media_types_are_oci", func(t *testing.T) {
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if m.MediaType != types.OCIManifestSchema1 {
			t.Errorf("manifest media type %s, want %s", m.MediaType, types.OCIManifestSchema1)
		}
		if m.Config.MediaType != types.OCIConfigJSON {
			t.Errorf("config media type %s, want %s", m.Config.MediaType, types.OCIConfigJSON)
		}
		if len(m.Layers) != 1 || m.Layers[0].MediaType != types.OCILayer {
			t.Errorf("layers %+v, want one %s", m.Layers, types.OCILayer)
		}
	})

	t.Run("config_names_the_release", func(t *testing.T) {
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"/app/hello"}; !slices.Equal(cfg.Config.Entrypoint, want) {
			t.Errorf("entrypoint %q, want %q", cfg.Config.Entrypoint, want)
		}
		if !cfg.Created.Time.Equal(commitTimeForTests) {
			t.Errorf("created %s, want the commit time %s", cfg.Created.Time, commitTimeForTests)
		}
		if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
			t.Errorf("platform %s/%s, want linux/%s", cfg.OS, cfg.Architecture, runtime.GOARCH)
		}
		for k, want := range map[string]string{
			"org.opencontainers.image.source":   b.Repository,
			"org.opencontainers.image.revision": b.Commit,
			"org.opencontainers.image.version":  "v1.2.3",
			"org.opencontainers.image.title":    "hello",
		} {
			if got := cfg.Config.Labels[k]; got != want {
				t.Errorf("label %s = %q, want %q", k, got, want)
			}
		}
	})

	t.Run("layer_holds_only_the_binary", func(t *testing.T) {
		layers, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		tr := tar.NewReader(rc)
		var names []string
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, h.Name)
			if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
				t.Errorf("%s owned by %d:%d (%q:%q), want 0:0 without names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
			}
			if !h.ModTime.Equal(commitTimeForTests) {
				t.Errorf("%s mtime %s, want the commit time", h.Name, h.ModTime)
			}
			if len(h.PAXRecords) > 0 || !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
				t.Errorf("%s has PAX records %v or access/change times", h.Name, h.PAXRecords)
			}
			if h.Mode&0o777 != 0o755 {
				t.Errorf("%s mode %o, want 755", h.Name, h.Mode)
			}
		}
		if want := []string{"app/", "app/hello"}; !slices.Equal(names, want) {
			t.Errorf("layer holds %q, want %q", names, want)
		}
	})

	t.Run("binary_runs_and_knows_its_version", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the image holds a linux binary")
		}
		bin := filepath.Join(t.TempDir(), "hello")
		if err := ExtractFile(img, BinaryPath("hello"), bin); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin).CombinedOutput()
		if err != nil {
			t.Fatalf("run the binary from the image: %v\n%s", err, out)
		}
		if got, want := strings.TrimSpace(string(out)), "hello from greet v1.2.3"; got != want {
			t.Errorf("binary printed %q, want %q", got, want)
		}
	})

	t.Run("extract_of_a_missing_file_fails", func(t *testing.T) {
		err := ExtractFile(img, "/app/nothing", filepath.Join(t.TempDir(), "x"))
		if !errors.Is(err, ErrFileNotFound) {
			t.Errorf("got %v, want ErrFileNotFound", err)
		}
	})
}

func TestBuildGoFailures(t *testing.T) {
	env := goEnv(t)
	tests := []struct {
		name    string
		change  func(*GoBuild)
		invalid bool
		want    string
	}{
		{"service_name_with_a_slash", func(b *GoBuild) { b.Service = "../x" }, true, "service name"},
		{"version_with_a_space", func(b *GoBuild) { b.Version = "v1 -X main.x=y" }, true, "version"},
		{"context_outside_the_checkout", func(b *GoBuild) { b.Context = "../elsewhere" }, true, "context"},
		{"package_outside_the_context", func(b *GoBuild) { b.Package = "/cmd/hello" }, true, "package"},
		{"compile_error_is_in_the_error", func(b *GoBuild) {
			writeFiles(t, b.SourceDir, map[string]string{"services/hello/cmd/hello/bad.go": "package main\n\nfunc broken() { undefinedName() }\n"})
		}, false, "undefined: undefinedName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := helloBuild(t, env, "v1.0.0")
			tt.change(&b)
			_, err := BuildGo(context.Background(), b)
			if err == nil {
				t.Fatal("build succeeded")
			}
			if errors.Is(err, ErrInvalidInput) != tt.invalid {
				t.Errorf("errors.Is(err, ErrInvalidInput) = %v, want %v: %v", !tt.invalid, tt.invalid, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
