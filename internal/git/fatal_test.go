package git_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/git"
)

func TestFatal(t *testing.T) {
	ctx := t.Context()
	notRepo := t.TempDir()
	// A port nobody listens on: the connection is refused, which a retry
	// may well get past once the server is up.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/shop.git"
	l.Close()
	for _, tt := range []struct {
		name  string
		url   string
		fatal bool
	}{
		{"repository_that_does_not_exist", filepath.Join(t.TempDir(), "missing.git"), true},
		{"directory_that_is_not_a_repository", notRepo, true},
		{"connection_refused_is_retryable", closed, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			_, err := git.Clone(cctx, tt.url, newDir(t))
			if err == nil {
				t.Fatalf("Clone %s succeeded", tt.url)
			}
			if got := git.Fatal(err); got != tt.fatal {
				t.Errorf("Fatal(%v) = %v, want %v", err, got, tt.fatal)
			}
		})
	}
	if git.Fatal(errors.New("repository does not exist")) {
		t.Error("Fatal of an error that is not git's = true, want false: only git's own output is judged")
	}
}
