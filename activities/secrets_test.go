package activities

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// TestSecrets: a secret is read at deploy time from the environment's
// file, then the shared file, then the worker's SIGNALMAN_SECRET_ variable,
// so a rotated value is what the next deploy gets; a missing one is a
// permanent refusal naming it and the environment, never a value; the
// worker's own variables are out of a pipeline's reach.
func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("prod/DATABASE_URL", "postgres://prod-db\n")
	write("DATABASE_URL", "postgres://shared-db\n")
	t.Setenv("SIGNALMAN_SECRET_SESSION_KEY", "k-from-env")
	t.Setenv("COSIGN_PASSWORD", "the-signing-password")
	svc := config.Service{Name: "api", Env: map[string]string{"LOG_LEVEL": "info"}, EnvByEnvironment: map[string]map[string]string{"prod": {"LOG_LEVEL": "warn"}}, Secrets: []string{"DATABASE_URL", "SESSION_KEY"}}
	s := Secrets{Dir: dir}

	got, err := s.serviceEnv(contract.DeployRequest{Env: "prod", Version: "v1.2.0", Service: svc})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"LOG_LEVEL": "warn", "DATABASE_URL": "postgres://prod-db", "SESSION_KEY": "k-from-env", "SIGNALMAN_ENV": "prod", "SIGNALMAN_VERSION": "v1.2.0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("prod: %s = %q, want %q", k, got[k], v)
		}
	}
	got, err = s.serviceEnv(contract.DeployRequest{Env: "stage", Version: "v1.2.0", Service: svc})
	if err != nil || got["DATABASE_URL"] != "postgres://shared-db" || got["LOG_LEVEL"] != "info" {
		t.Errorf("stage: %v, %v; want the shared DATABASE_URL and LOG_LEVEL info", got, err)
	}

	// Rotated: the next deploy reads the new value.
	write("prod/DATABASE_URL", "postgres://prod-db-rotated\n")
	if got, _ := s.serviceEnv(contract.DeployRequest{Env: "prod", Service: svc}); got["DATABASE_URL"] != "postgres://prod-db-rotated" {
		t.Errorf("after rotation DATABASE_URL = %q", got["DATABASE_URL"])
	}

	// Missing, and a worker secret named by the file: refused.
	svc.Secrets = []string{"DATABASE_URL", "COSIGN_PASSWORD", "STRIPE_KEY"}
	_, err = s.serviceEnv(contract.DeployRequest{Env: "prod", Version: "v1.2.0", Service: svc})
	if err == nil || !strings.Contains(err.Error(), "secret COSIGN_PASSWORD, STRIPE_KEY missing on the deploy worker of prod: nothing was started") {
		t.Fatalf("missing secrets: %v", err)
	}
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() || app.Type() != contract.ErrRefused {
		t.Errorf("a missing secret is retried: %v", err)
	}
	for _, v := range []string{"the-signing-password", "postgres://prod-db"} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("the error carries a secret's value: %v", err)
		}
	}
}
