package registry

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStartPurgesOldUploads(t *testing.T) {
	dir := t.TempDir()
	uploads := filepath.Join(dir, "docker/registry/v2/repositories/shop/api/_uploads")
	old := upload(t, uploads, "5d3c8f2e-1a4b-4c6d-9e8f-0a1b2c3d4e5f", time.Now().Add(-2*uploadMaxAge))
	fresh := upload(t, uploads, "6e4d9a3f-2b5c-4d7e-8f9a-1b2c3d4e5f6a", time.Now().Add(-time.Minute))

	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := Start(t.Context(), Options{Dir: dir, Addr: "127.0.0.1:0", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// Stop waits for the purge.
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}

	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("upload started %s ago is still there (%v)", 2*uploadMaxAge, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("upload started a minute ago is gone: %v", err)
	}
}

// upload lays out an unfinished upload as distribution does.
func upload(t *testing.T, uploads, id string, started time.Time) string {
	t.Helper()
	dir := filepath.Join(uploads, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"startedat": started.UTC().Format(time.RFC3339),
		"data":      "part of a layer",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
