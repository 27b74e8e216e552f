package registry

import (
	"strings"
	"testing"
)

func TestManifestTag(t *testing.T) {
	tests := []struct {
		path      string
		repo, tag string
		ok        bool
	}{
		{"/v2/shop/api/manifests/v1.2.0-build.3-abc1234", "shop/api", "v1.2.0-build.3-abc1234", true},
		{"/v2/api/manifests/latest", "api", "latest", true},
		{"/v2/shop/manifests/api/manifests/v1", "shop/manifests/api", "v1", true},
		{"/v2/shop/api/manifests/sha256:" + strings.Repeat("0", 64), "", "", false},
		{"/v2/shop/api/manifests/", "", "", false},
		{"/v2/shop/api/blobs/uploads/", "", "", false},
		{"/v2/manifests/v1", "", "", false},
		{"/v2/", "", "", false},
		{"/shop/api/manifests/v1", "", "", false},
	}
	for _, tt := range tests {
		repo, tag, ok := manifestTag(tt.path)
		if repo != tt.repo || tag != tt.tag || ok != tt.ok {
			t.Errorf("manifestTag(%q) = %q, %q, %t; want %q, %q, %t", tt.path, repo, tag, ok, tt.repo, tt.tag, tt.ok)
		}
	}
}

func FuzzManifestTag(f *testing.F) {
	f.Add("/v2/shop/api/manifests/v1")
	f.Add("/v2/a/manifests/b/manifests/c")
	f.Add("/v2/a/manifests/sha256:00")
	f.Fuzz(func(t *testing.T, path string) {
		repo, tag, ok := manifestTag(path)
		if !ok {
			return
		}
		if got := "/v2/" + repo + "/manifests/" + tag; got != path {
			t.Errorf("manifestTag(%q) split into %q and %q, which join to %q", path, repo, tag, got)
		}
		if tag == "" || strings.ContainsAny(tag, "/:") {
			t.Errorf("manifestTag(%q) returned tag %q", path, tag)
		}
	})
}

func TestMutableTag(t *testing.T) {
	hex := strings.Repeat("0f", 32)
	tests := map[string]bool{
		"sha256-" + hex + ".sig":         true,
		"sha256-" + hex + ".att":         true,
		"sha256-" + hex + ".sbom":        true,
		"sha256-" + hex:                  true,
		"sha512-" + hex + hex + ".sig":   true,
		"v1.2.0-build.3-abc1234":         false,
		"latest":                         false,
		"v1.sig":                         false,
		"sha256-" + hex[:10] + ".sig":    false,
		"sha256-" + strings.ToUpper(hex): false,
		"sha256-" + hex + ".sig.bak":     false,
		"x-sha256-" + hex + ".sig":       false,
	}
	for tag, want := range tests {
		if got := mutableTag.MatchString(tag); got != want {
			t.Errorf("mutable(%q) = %t, want %t", tag, got, want)
		}
	}
}
