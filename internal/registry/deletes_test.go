package registry

import (
	"strings"
	"testing"
)

func TestBlobDigest(t *testing.T) {
	d := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		path       string
		repo, blob string
		ok         bool
	}{
		{"/v2/shop/api/blobs/" + d, "shop/api", d, true},
		{"/v2/shop/blobs/api/blobs/" + d, "shop/blobs/api", d, true},
		{"/v2/shop/api/blobs/uploads/5d3c8f2e-1a4b-4c6d-9e8f-0a1b2c3d4e5f", "", "", false},
		{"/v2/shop/api/blobs/uploads/", "", "", false},
		{"/v2/shop/api/blobs/uploads", "", "", false},
		{"/v2/shop/api/manifests/" + d, "", "", false},
		{"/v2/blobs/" + d, "", "", false},
		{"/shop/api/blobs/" + d, "", "", false},
	}
	for _, tt := range tests {
		repo, blob, ok := blobDigest(tt.path)
		if repo != tt.repo || blob != tt.blob || ok != tt.ok {
			t.Errorf("blobDigest(%q) = %q, %q, %t; want %q, %q, %t", tt.path, repo, blob, ok, tt.repo, tt.blob, tt.ok)
		}
	}
}

func TestRefusedDelete(t *testing.T) {
	d := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		name  string
		path  string
		allow string // "" if the DELETE passes
	}{
		{"manifest by digest passes", "/v2/shop/api/manifests/" + d, ""},
		{"upload cancel passes", "/v2/shop/api/blobs/uploads/5d3c8f2e-1a4b-4c6d-9e8f-0a1b2c3d4e5f", ""},
		{"manifest by tag is refused", "/v2/shop/api/manifests/v1.2.0-build.3-abc1234", "GET, HEAD, PUT"},
		{"cosign tag is refused too", "/v2/shop/api/manifests/sha256-" + strings.Repeat("0", 64) + ".sig", "GET, HEAD, PUT"},
		{"blob is refused", "/v2/shop/api/blobs/" + d, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, allow := refusedDelete(tt.path)
			if allow != tt.allow {
				t.Errorf("allow %q, want %q", allow, tt.allow)
			}
			if refused := reason != ""; refused != (tt.allow != "") {
				t.Errorf("reason %q, want refused %t", reason, tt.allow != "")
			}
		})
	}
}
