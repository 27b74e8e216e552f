package control

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/devserver"
	"github.com/signalman/signalman/internal/dora"
	"github.com/signalman/signalman/workflows"
)

// history is what the stand-in workflows return, by workflow ID.
type history struct {
	releases  map[string]workflows.Status
	rollbacks map[string][]workflows.RollbackResult
}

// release is the stand-in ReleaseWorkflow: it ends as the status says,
// failing the way the real one does.
func (h history) release(ctx workflow.Context) (workflows.Status, error) {
	st := h.releases[workflow.GetInfo(ctx).WorkflowExecution.ID]
	switch st.State {
	case workflows.Failed:
		return st, temporal.NewNonRetryableApplicationError(st.Version+" failed at canary", workflows.ErrStageFailed, nil, st)
	case workflows.Aborted:
		return st, temporal.NewNonRetryableApplicationError("aborted", workflows.ErrAborted, nil, st)
	}
	return st, nil
}

// rollback is the stand-in RollbackWorkflow: the n-th run of an ID returns
// that ID's n-th result.
func (h history) rollback(ctx workflow.Context, n int) (workflows.RollbackResult, error) {
	return h.rollbacks[workflow.GetInfo(ctx).WorkflowExecution.ID][n], nil
}

// releaseStatus builds a release's result: canary started at canary (zero: never),
// promote done at promoted (zero: never).
func releaseStatus(product, version, state string, canary, promoted, ended time.Time, commits ...time.Time) workflows.Status {
	st := workflows.Status{Product: product, Version: version, State: state, Ended: ended, CommitTimes: commits}
	for _, name := range workflows.Stages {
		s := workflows.StageStatus{Name: name, State: workflows.Done}
		switch name {
		case workflows.StageCanary:
			s.Started = canary
			if canary.IsZero() {
				s.State = workflows.Skipped
			} else if promoted.IsZero() {
				s.State = state
			}
		case workflows.StagePromote:
			s.Started, s.Ended = promoted, promoted
			if promoted.IsZero() {
				s.State = workflows.Pending
			}
		}
		st.Stages = append(st.Stages, s)
	}
	return st
}

func TestDORAFromTemporalHistory(t *testing.T) {
	began := time.Now()
	ago := func(d time.Duration) time.Time { return began.Add(-d) }
	h := history{
		releases: map[string]workflows.Status{
			// Lead times 24h and 2h.
			workflows.ReleaseID("shop", "v1.1.0"): releaseStatus("shop", "v1.1.0", workflows.Succeeded,
				ago(3*time.Hour), ago(170*time.Minute), ago(169*time.Minute), ago(1610*time.Minute), ago(290*time.Minute)),
			// Failed in canary after 15 minutes, rolled back automatically.
			workflows.ReleaseID("shop", "v1.2.0"): releaseStatus("shop", "v1.2.0", workflows.Failed,
				ago(2*time.Hour), time.Time{}, ago(105*time.Minute), ago(5*time.Hour)),
			// Promoted 80 minutes ago, rolled back by hand below; no commit times.
			workflows.ReleaseID("shop", "v1.3.0"): releaseStatus("shop", "v1.3.0", workflows.Succeeded,
				ago(90*time.Minute), ago(80*time.Minute), ago(79*time.Minute)),
			// Aborted at QA signoff: never in production.
			workflows.ReleaseID("shop", "v1.4.0"): releaseStatus("shop", "v1.4.0", workflows.Aborted,
				time.Time{}, time.Time{}, ago(time.Hour)),
			// In production before the window (closed now, so listed).
			workflows.ReleaseID("shop", "v1.0.0"): releaseStatus("shop", "v1.0.0", workflows.Succeeded,
				ago(40*24*time.Hour), ago(40*24*time.Hour), ago(40*24*time.Hour), ago(41*24*time.Hour)),
			// Another product.
			workflows.ReleaseID("blog", "v2.0.0"): releaseStatus("blog", "v2.0.0", workflows.Succeeded,
				ago(time.Hour), ago(time.Hour), ago(time.Hour)),
		},
		rollbacks: map[string][]workflows.RollbackResult{
			workflows.RollbackID("shop", "prod"): {
				{From: "v1.3.0", To: "v1.1.0"},
				// From a version with no release in the history.
				{From: "v0.9.0", To: "v0.8.0"},
			},
			// Stage rollbacks are not production failures.
			workflows.RollbackID("shop", "stage"): {{From: "v1.1.0", To: "v1.0.0"}},
		},
	}

	c := startTemporal(t)
	const queue = "dora-test"
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(h.release, workflow.RegisterOptions{Name: "ReleaseWorkflow"})
	w.RegisterWorkflowWithOptions(h.rollback, workflow.RegisterOptions{Name: "RollbackWorkflow"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(id, workflowType string, attrs temporal.SearchAttributes, args ...any) {
		t.Helper()
		r, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue, TypedSearchAttributes: attrs}, workflowType, args...)
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Get(ctx, nil) // failures are part of the history
	}
	for id, st := range h.releases {
		run(id, "ReleaseWorkflow", temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(st.Product), workflows.VersionKey.ValueSet(st.Version)))
	}
	// The first production rollback runs without search attributes, as
	// rollbacks did before they had them.
	run(workflows.RollbackID("shop", "prod"), "RollbackWorkflow", temporal.SearchAttributes{}, 0)
	run(workflows.RollbackID("shop", "prod"), "RollbackWorkflow", temporal.NewSearchAttributes(workflows.ProductKey.ValueSet("shop"), workflows.EnvironmentKey.ValueSet("prod")), 1)
	run(workflows.RollbackID("shop", "stage"), "RollbackWorkflow", temporal.NewSearchAttributes(workflows.ProductKey.ValueSet("shop"), workflows.EnvironmentKey.ValueSet("stage")), 0)
	finished := time.Now()
	waitVisible(t, ctx, c, len(h.releases)+3)

	hist := NewDORAHistory(Releases{Client: c})
	rep, err := hist.Report(ctx, "shop", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %+v", rep)

	if rep.Product != "shop" || rep.Releases != 3 || rep.Deploys != 2 || rep.DeploysPerDay != 2.0/30 {
		t.Errorf("product %q, releases %d, deploys %d (%v/day); want shop, 3, 2 (%v/day)", rep.Product, rep.Releases, rep.Deploys, rep.DeploysPerDay, 2.0/30)
	}
	// Sorted 2h, 24h: median 13h, p90 2h + 0.9*22h = 21h48m.
	if want := (dora.Quantiles{Samples: 2, Median: dora.Duration(13 * time.Hour), P90: dora.Duration(21*time.Hour + 48*time.Minute)}); rep.LeadTime == nil || *rep.LeadTime != want {
		t.Errorf("lead time %+v, want %+v", rep.LeadTime, want)
	}
	if rep.ChangeFailureRate == nil || *rep.ChangeFailureRate != 2.0/3 {
		t.Errorf("change failure rate %v, want 2/3", rep.ChangeFailureRate)
	}
	if len(rep.Failures) != 2 {
		t.Fatalf("failures %+v, want v1.2.0 and v1.3.0", rep.Failures)
	}
	slices.SortFunc(rep.Failures, func(a, b dora.Failure) int { return strings.Compare(a.Version, b.Version) })
	if f := rep.Failures[0]; f.Version != "v1.2.0" || f.Restore != dora.AutomaticRollback || f.TimeToRestore != dora.Duration(15*time.Minute) {
		t.Errorf("first failure %+v, want v1.2.0 restored automatically in 15m", f)
	}
	// The manual rollback closed between the test's start and the end of its
	// workflows, 80 minutes after the promotion or a little more.
	lo, hi := 80*time.Minute, 80*time.Minute+finished.Sub(began)+time.Second
	manual := time.Duration(rep.Failures[1].TimeToRestore)
	if f := rep.Failures[1]; f.Version != "v1.3.0" || f.Restore != dora.ManualRollback || manual < lo || manual > hi {
		t.Errorf("second failure %+v, want v1.3.0 restored by hand in [%v, %v]", f, lo, hi)
	}
	if q := rep.TimeToRestore; q == nil || q.Samples != 2 || (time.Duration(q.Median)-(15*time.Minute+manual)/2).Abs() > time.Microsecond {
		t.Errorf("time to restore %+v, want the median of 15m and %v", q, manual)
	}

	again, err := hist.Report(ctx, "shop", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if again.Releases != rep.Releases || again.Deploys != rep.Deploys || len(again.Failures) != len(rep.Failures) {
		t.Errorf("second report, from what was read before, %+v differs from the first %+v", again, rep)
	}

	products, err := hist.Products(ctx, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(products, []string{"blog", "shop"}) {
		t.Errorf("products %v, want [blog shop]", products)
	}

	empty, err := Releases{Client: c}.DORA(ctx, "nothing", 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Releases != 0 || empty.LeadTime != nil || empty.ChangeFailureRate != nil || empty.TimeToRestore != nil {
		t.Errorf("report of a product with no history %+v, want no data", empty)
	}
}

// startTemporal starts an embedded Temporal server for the test and dials it.
func startTemporal(t *testing.T) client.Client {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir:          t.TempDir(),
		FrontendAddr:     "127.0.0.1:0",
		DisableUI:        true,
		SearchAttributes: workflows.SearchAttributes(),
		Logger:           logger,
	})
	if err != nil {
		t.Fatalf("start Temporal: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop Temporal: %v", err)
		}
	})
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddr(), Logger: sdklog.NewStructuredLogger(logger)})
	if err != nil {
		t.Fatalf("dial %s: %v", srv.FrontendAddr(), err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitVisible waits until the visibility store lists n closed workflows.
func waitVisible(t *testing.T, ctx context.Context, c client.Client, n int) {
	t.Helper()
	for {
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: "ExecutionStatus != 'Running'"})
		if err == nil && resp.GetCount() >= int64(n) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("visibility lists %d closed workflows, want %d (%v)", resp.GetCount(), n, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
