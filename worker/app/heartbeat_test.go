package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/devserver"
)

// quietWorkflow runs one activity that is silent for longer than its
// heartbeat timeout, and never retries it.
func quietWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    2 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return workflow.ExecuteActivity(ctx, "Quiet").Get(ctx, nil)
}

// quiet works for 5 seconds without a word, like a compiler on a big package.
func quiet(ctx context.Context) error {
	select {
	case <-time.After(5 * time.Second):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestKeepAlive runs a silent activity on a real embedded server: with the
// worker's keepAlive interceptor it completes; without it, the heartbeat
// timeout ends it, which is what keepAlive exists to prevent.
func TestKeepAlive(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: t.TempDir(), FrontendAddr: "127.0.0.1:0", DisableUI: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(logger)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	for _, tc := range []struct {
		name      string
		intercept []interceptor.WorkerInterceptor
		wantErr   bool
	}{
		{"with_keepalive", []interceptor.WorkerInterceptor{&keepAlive{}}, false},
		{"without", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queue := "keepalive-" + tc.name
			w := worker.New(c, queue, worker.Options{Interceptors: tc.intercept})
			w.RegisterWorkflowWithOptions(quietWorkflow, workflow.RegisterOptions{Name: "Quiet"})
			w.RegisterActivityWithOptions(quiet, activity.RegisterOptions{Name: "Quiet"})
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, "Quiet")
			if err != nil {
				t.Fatal(err)
			}
			err = run.Get(ctx, nil)
			var timeout *temporal.TimeoutError
			switch {
			case tc.wantErr && !errors.As(err, &timeout):
				t.Errorf("without keepAlive the silent activity ended with %v, want a heartbeat timeout", err)
			case !tc.wantErr && err != nil:
				t.Errorf("with keepAlive the silent activity failed: %v", err)
			}
		})
	}
}
