package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/command"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
)

// Migrator runs database migrations: each its own step, from a clean
// checkout of the release's commit, before the service that needs it.
// Migrations are expand-only and must be idempotent (a retry runs one
// again); they are never rolled back.
type Migrator struct {
	// Dir holds checkouts and, under state/<product>/<env>, a directory the
	// migration may use as its database (SIGNALMAN_STATE).
	Dir string
}

// Migrate runs one migration in one environment.
func (m *Migrator) Migrate(ctx context.Context, req contract.MigrateRequest) error {
	if req.Migration.Command == "" {
		return badInput("migration %s of %s: no command", req.Migration.Name, req.Product)
	}
	work := filepath.Join(m.Dir, "checkouts")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(work, req.Product+"-migrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src, err := git.CheckoutClean(ctx, req.RepoURL, req.Commit, filepath.Join(dir, "src"))
	if err != nil {
		return gitFailure(fmt.Errorf("check out %s for migration %s: %w", req.Commit, req.Migration.Name, err))
	}
	state := filepath.Join(m.Dir, "state", req.Product, req.Env)
	if err := os.MkdirAll(state, 0o755); err != nil {
		return err
	}
	res, err := command.Run(ctx, command.Cmd{
		Dir:     src.Dir,
		Command: req.Migration.Command,
		Env:     []string{"SIGNALMAN_PRODUCT=" + req.Product, "SIGNALMAN_ENV=" + req.Env, "SIGNALMAN_VERSION=" + req.Version, "SIGNALMAN_STATE=" + state},
		OnLine:  lineHeartbeat(ctx),
	})
	var exit *command.ExitError
	if errors.As(err, &exit) {
		return permanent(contract.ErrTestFailed, fmt.Errorf("migration %s of %s on %s: %w", req.Migration.Name, req.Product, req.Env, err))
	}
	if err != nil {
		return fmt.Errorf("migration %s of %s on %s: %w", req.Migration.Name, req.Product, req.Env, err)
	}
	activity.GetLogger(ctx).Info("migration ran", "migration", req.Migration.Name, "env", req.Env, "took", res.Duration)
	return nil
}
