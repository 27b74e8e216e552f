package config

import (
	"os"
	"path/filepath"
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
