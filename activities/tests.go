package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/command"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
)

// Tests runs a product's test command in a clean checkout of a release tag.
type Tests struct {
	// Dir holds the temporary checkouts.
	Dir string
}

// RunTests checks out the tag afresh, checks it is the release's commit, and
// runs the command. A failing command is a non-retryable failure whose
// message ends with the output's tail; a dead worker is retried.
func (t *Tests) RunTests(ctx context.Context, req contract.TestRequest) (contract.TestResult, error) {
	if req.Command == "" {
		return contract.TestResult{}, badInput("test %s %s: no test command", req.Product, req.Tag)
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return contract.TestResult{}, err
	}
	dir, err := os.MkdirTemp(t.Dir, req.Product+"-"+req.Tag+"-")
	if err != nil {
		return contract.TestResult{}, err
	}
	defer os.RemoveAll(dir)
	repo, err := git.CheckoutClean(ctx, req.RepoURL, req.Tag, filepath.Join(dir, "src"))
	if err != nil {
		return contract.TestResult{}, gitFailure(fmt.Errorf("check out %s of %s: %w", req.Tag, req.RepoURL, err))
	}
	head, err := repo.RevParse(ctx, "HEAD")
	if err != nil {
		return contract.TestResult{}, err
	}
	if req.Commit != "" && head != req.Commit {
		return contract.TestResult{}, permanent(contract.ErrConflict, fmt.Errorf("tag %s is at %s, but the release was tagged at %s; someone moved the tag", req.Tag, head, req.Commit))
	}

	timeout := time.Duration(req.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := command.Run(runCtx, command.Cmd{Dir: repo.Dir, Command: req.Command, OnLine: lineHeartbeat(ctx)})
	var exit *command.ExitError
	switch {
	case errors.As(err, &exit):
		return contract.TestResult{}, permanent(contract.ErrTestFailed, fmt.Errorf("tests of %s %s failed: %w", req.Product, req.Tag, err))
	case runCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil:
		return contract.TestResult{}, permanent(contract.ErrTestFailed, fmt.Errorf("tests of %s %s ran past their %s timeout; last lines:\n%s", req.Product, req.Tag, timeout, strings.Join(res.Tail, "\n")))
	case err != nil:
		return contract.TestResult{}, fmt.Errorf("run tests of %s %s: %w", req.Product, req.Tag, err)
	}
	activity.GetLogger(ctx).Info("tests passed", "product", req.Product, "tag", req.Tag, "took", res.Duration)
	return contract.TestResult{Seconds: res.Duration.Seconds(), Tail: res.Tail}, nil
}
