package artifact

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func decodeBOM(t *testing.T, doc []byte) *cdx.BOM {
	t.Helper()
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatalf("decode SBOM: %v\n%s", err, doc)
	}
	return &bom
}

func property(props *[]cdx.Property, name string) (string, bool) {
	if props == nil {
		return "", false
	}
	for _, p := range *props {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestSBOM(t *testing.T) {
	b := helloBuild(t, goEnv(t), "v1.2.3")
	img, err := BuildGo(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "hello")
	if err := ExtractFile(img, BinaryPath(b.Service), bin); err != nil {
		t.Fatal(err)
	}
	doc, err := SBOM(bin, b)
	if err != nil {
		t.Fatal(err)
	}
	bom := decodeBOM(t, doc)

	t.Run("is_cyclonedx_1_6", func(t *testing.T) {
		if bom.SpecVersion != cdx.SpecVersion1_6 || bom.BOMFormat != cdx.BOMFormat {
			t.Errorf("format %s %s, want CycloneDX 1.6", bom.BOMFormat, bom.SpecVersion)
		}
		if !serialPattern.MatchString(bom.SerialNumber) {
			t.Errorf("serial number %q is not a UUID URN", bom.SerialNumber)
		}
		if bom.Metadata.Timestamp != "2026-03-14T15:09:26Z" {
			t.Errorf("timestamp %q, want the commit time", bom.Metadata.Timestamp)
		}
	})

	t.Run("main_module_is_the_application", func(t *testing.T) {
		main := bom.Metadata.Component
		if main.PackageURL != "pkg:golang/example.com/hello@v1.2.3" || main.Name != "hello" || main.Type != cdx.ComponentTypeApplication {
			t.Errorf("main component %+v", main)
		}
		if v, _ := property(main.Properties, propGoVersion); v != runtime.Version() {
			t.Errorf("go version property %q, want %q", v, runtime.Version())
		}
		for name, want := range map[string]string{"-trimpath": "true", "CGO_ENABLED": "0", "GOOS": "linux"} {
			if v, _ := property(main.Properties, propGoSetting+name); v != want {
				t.Errorf("build setting %s = %q, want %q", name, v, want)
			}
		}
		if v, _ := property(main.Properties, propCommit); v != b.Commit {
			t.Errorf("commit property %q, want %q", v, b.Commit)
		}
	})

	t.Run("dependency_is_a_component", func(t *testing.T) {
		var found bool
		for _, c := range *bom.Components {
			if c.Name == greetPath {
				found = true
				if c.Version != greetVersion || c.PackageURL != "pkg:golang/example.com/greet@v1.0.0" || c.Type != cdx.ComponentTypeLibrary {
					t.Errorf("greet component %+v", c)
				}
				if v, _ := property(c.Properties, propGoSum); len(v) < 4 || v[:3] != "h1:" {
					t.Errorf("greet sum %q, want an h1: hash", v)
				}
			}
		}
		if !found {
			t.Errorf("no component for %s in %s", greetPath, doc)
		}
	})

	t.Run("same_binary_gives_same_bytes", func(t *testing.T) {
		again, err := SBOM(bin, b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(doc, again) {
			t.Error("two SBOMs of one binary differ")
		}
	})

	t.Run("not_a_go_binary_fails", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "text")
		if err := os.WriteFile(p, []byte("not a binary"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := SBOM(p, b); err == nil {
			t.Error("SBOM of a text file succeeded")
		}
	})

	t.Run("image_sbom_lists_files_with_hashes", func(t *testing.T) {
		doc, err := SBOMFromImage(img, b.Source())
		if err != nil {
			t.Fatal(err)
		}
		bom := decodeBOM(t, doc)
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if len(*bom.Components) != 1 {
			t.Fatalf("components %+v, want the binary alone", *bom.Components)
		}
		c := (*bom.Components)[0]
		if c.Name != "/app/hello" || c.Type != cdx.ComponentTypeFile || (*c.Hashes)[0].Value != hex.EncodeToString(sum[:]) {
			t.Errorf("file component %+v, want /app/hello with sha256 %x", c, sum)
		}
		digest, _ := img.Digest()
		main := bom.Metadata.Component
		if main.Type != cdx.ComponentTypeContainer || main.PackageURL != "pkg:oci/hello@sha256%3A"+digest.Hex {
			t.Errorf("image component %+v", main)
		}
		layers, _ := img.Layers()
		layer, _ := layers[0].Digest()
		if v, _ := property(main.Properties, propLayer+"0"); v != layer.String() {
			t.Errorf("layer property %q, want %s", v, layer)
		}
	})
}

func TestGolangPURL(t *testing.T) {
	tests := []struct{ path, version, want string }{
		{"github.com/docker/docker", "v28.5.2+incompatible", "pkg:golang/github.com/docker/docker@v28.5.2%2Bincompatible"},
		{"golang.org/x/sys", "v0.0.0-20200423205355-cb0885a1018c", "pkg:golang/golang.org/x/sys@v0.0.0-20200423205355-cb0885a1018c"},
		{"example.com/local", "", "pkg:golang/example.com/local"},
	}
	for _, tt := range tests {
		if got := golangPURL(tt.path, tt.version); got != tt.want {
			t.Errorf("golangPURL(%q, %q) = %q, want %q", tt.path, tt.version, got, tt.want)
		}
	}
}
