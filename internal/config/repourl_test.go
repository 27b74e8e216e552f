package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadResolvesRepositoryURL(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, url, want string
	}{
		{"relative path is from the file's directory", "./shop.git", filepath.Join(dir, "shop.git")},
		{"bare relative name too", "shop.git", filepath.Join(dir, "shop.git")},
		{"parent directory", "../shop.git", filepath.Join(filepath.Dir(dir), "shop.git")},
		{"absolute path kept", "/srv/git/shop.git", "/srv/git/shop.git"},
		{"https URL kept", "https://github.com/example/shop.git", "https://github.com/example/shop.git"},
		{"file URL kept", "file:///srv/git/shop.git", "file:///srv/git/shop.git"},
		{"scp-like ssh kept", "git@github.com:example/shop.git", "git@github.com:example/shop.git"},
		{"ssh URL kept", "ssh://git@host:2222/shop.git", "ssh://git@host:2222/shop.git"},
		{"colon after a slash is a path", "repos/a:b.git", filepath.Join(dir, "repos/a:b.git")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "signalman.yaml")
			body := "product: shop\nrepository:\n  url: " + tc.url + "\nservices:\n  - name: api\nenvironments:\n  stage: {}\n  prod: {}\n"
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Repository.URL != tc.want {
				t.Errorf("repository.url %q = %q, want %q", tc.url, p.Repository.URL, tc.want)
			}
		})
	}
}

func TestLoadResolvesFromAnyWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "signalman.yaml"), []byte("product: shop\nrepository:\n  url: ./shop.git\nservices:\n  - name: api\nenvironments:\n  stage: {}\n  prod: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	p, err := Load("signalman.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "shop.git"); p.Repository.URL != want {
		t.Errorf("repository.url = %q, want %q", p.Repository.URL, want)
	}
}

func TestLoadVerifyKeys(t *testing.T) {
	const key = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE50YsTUwvXiKY8fFSTnTR67nJyFct\nMP1GwOSWoAk1noofWhDL7hC1decIV2gGazkmYpzwOXi1JPBXLoZQhrXA9Q==\n-----END PUBLIC KEY-----\n"
	pipeline := func(keys string) string {
		return "product: shop\nrepository:\n  url: ./shop.git\nservices:\n  - name: api\nenvironments:\n  stage: {}\n  prod:\n    verify_keys:\n" + keys
	}
	for _, tc := range []struct {
		name, keys, want string
	}{
		{"a path is read from the file's directory", "      - keys/prod.pub\n", ""},
		{"a missing file names the field", "      - keys/none.pub\n", "signalman.yaml: environments.prod.verify_keys[0]: read the key"},
		{"a private key is refused", "      - |\n        -----BEGIN EC PRIVATE KEY-----\n        AAAA\n        -----END EC PRIVATE KEY-----\n", `verify_keys[0]: is a PEM "EC PRIVATE KEY" block, not a PUBLIC KEY`},
		{"not a key is refused", "      - |\n        -----BEGIN PUBLIC KEY-----\n        AAAA\n        -----END PUBLIC KEY-----\n", "verify_keys[0]: is not a public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "keys", "prod.pub"), []byte(key), 0o644); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "signalman.yaml")
			if err := os.WriteFile(path, []byte(pipeline(tc.keys)), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := Load(path)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Load: %v; want an error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Environments[Prod].VerifyKeys; len(got) != 1 || got[0] != key {
				t.Errorf("verify_keys = %q, want the key the file holds", got)
			}
		})
	}
}
