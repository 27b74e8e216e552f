package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/dora"
	"github.com/signalman/signalman/workflows"
)

// DORA computes a product's DORA metrics over the last since, from the
// results of its finished releases and production rollbacks; package dora
// has the definitions.
func (r Releases) DORA(ctx context.Context, product string, since time.Duration) (dora.Report, error) {
	return NewDORAHistory(r).Report(ctx, product, since)
}

// closeMargin widens the listing of finished workflows: a release that
// reached production in the window closed after the window opened, by the
// clock of whichever server recorded the close.
const closeMargin = time.Hour

// readers is how many workflow results are read at once.
const readers = 8

// DORAHistory reads the history DORA metrics are computed from. It keeps
// what it has read: the result of a closed workflow never changes, so a
// caller that computes the metrics again and again (the worker's gauges)
// reads each result once.
type DORAHistory struct {
	releases Releases

	mu   sync.Mutex
	read map[string]record // by run ID
}

// record is what one closed workflow contributes; both nil when nothing
// (a release refused at its start has no stages).
type record struct {
	closed   time.Time
	release  *dora.Release
	rollback *dora.Rollback
}

// NewDORAHistory reads history through r.
func NewDORAHistory(r Releases) *DORAHistory {
	return &DORAHistory{releases: r, read: map[string]record{}}
}

// Report computes the product's metrics over [now-since, now].
func (h *DORAHistory) Report(ctx context.Context, product string, since time.Duration) (dora.Report, error) {
	now := time.Now()
	closedAfter := now.Add(-since - closeMargin)
	h.forget(closedAfter)

	releases, err := h.list(ctx, fmt.Sprintf("%s AND ExecutionStatus IN ('Completed', 'Failed') AND CloseTime >= '%s'",
		Filter{Product: product}.Query(), closedAfter.UTC().Format(time.RFC3339)))
	if err != nil {
		return dora.Report{}, fmt.Errorf("DORA metrics of %s: %w", product, err)
	}
	// Every rollback of an environment reuses one workflow ID, so this finds
	// rollbacks started before they carried search attributes too.
	rollbacks, err := h.list(ctx, fmt.Sprintf("WorkflowType = 'RollbackWorkflow' AND WorkflowId = '%s' AND ExecutionStatus = 'Completed' AND CloseTime >= '%s'",
		workflows.RollbackID(product, config.Prod), closedAfter.UTC().Format(time.RFC3339)))
	if err != nil {
		return dora.Report{}, fmt.Errorf("DORA metrics of %s: %w", product, err)
	}
	records, err := h.results(ctx, append(releases, rollbacks...))
	if err != nil {
		return dora.Report{}, fmt.Errorf("DORA metrics of %s: %w", product, err)
	}
	var hist dora.History
	for _, rec := range records {
		if rec.release != nil {
			hist.Releases = append(hist.Releases, *rec.release)
		}
		if rec.rollback != nil {
			hist.Rollbacks = append(hist.Rollbacks, *rec.rollback)
		}
	}
	rep := dora.Compute(hist, now, since)
	rep.Product = product
	return rep, nil
}

// Products lists the products with a release that finished in the last
// since, sorted.
func (h *DORAHistory) Products(ctx context.Context, since time.Duration) ([]string, error) {
	closedAfter := time.Now().Add(-since - closeMargin)
	execs, err := h.list(ctx, fmt.Sprintf("WorkflowType = 'ReleaseWorkflow' AND CloseTime >= '%s'", closedAfter.UTC().Format(time.RFC3339)))
	if err != nil {
		return nil, fmt.Errorf("products released since %s: %w", closedAfter.Format(time.RFC3339), err)
	}
	var products []string
	for _, e := range execs {
		p := keyword(e.GetSearchAttributes().GetIndexedFields()[workflows.ProductKey.GetName()].GetData())
		if p != "" && !slices.Contains(products, p) {
			products = append(products, p)
		}
	}
	slices.Sort(products)
	return products, nil
}

// list returns every execution the visibility query finds.
func (h *DORAHistory) list(ctx context.Context, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := h.releases.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list workflows (%s): %w", query, err)
		}
		out = append(out, resp.GetExecutions()...)
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// results reads the records of closed executions, those not read before
// several at a time.
func (h *DORAHistory) results(ctx context.Context, execs []*workflowpb.WorkflowExecutionInfo) ([]record, error) {
	out := make([]record, len(execs))
	var todo []int
	h.mu.Lock()
	for i, e := range execs {
		rec, ok := h.read[e.GetExecution().GetRunId()]
		if ok {
			out[i] = rec
		} else {
			todo = append(todo, i)
		}
	}
	h.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		failOnce sync.Once
		firstErr error
	)
	next := make(chan int)
	for range min(readers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				rec, err := h.readOne(ctx, execs[i])
				if err != nil {
					failOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				out[i] = rec
			}
		})
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	for _, i := range todo {
		h.read[execs[i].GetExecution().GetRunId()] = out[i]
	}
	return out, nil
}

// readOne reads one closed execution's result.
func (h *DORAHistory) readOne(ctx context.Context, e *workflowpb.WorkflowExecutionInfo) (record, error) {
	id, runID := e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()
	rec := record{closed: e.GetCloseTime().AsTime()}
	if ctx.Err() != nil {
		return rec, ctx.Err()
	}
	switch e.GetType().GetName() {
	case "RollbackWorkflow":
		var res workflows.RollbackResult
		if err := h.releases.Client.GetWorkflow(ctx, id, runID).Get(ctx, &res); err != nil {
			return rec, fmt.Errorf("read rollback %s (run %s): %w", id, runID, err)
		}
		rec.rollback = &dora.Rollback{From: res.From, To: res.To, Closed: rec.closed}
		return rec, nil
	default:
		var st workflows.Status
		err := h.releases.Client.GetWorkflow(ctx, id, runID).Get(ctx, &st)
		outcome := dora.Succeeded
		if err != nil {
			var failure *temporal.WorkflowExecutionError
			if !errors.As(err, &failure) {
				return rec, fmt.Errorf("read release %s (run %s): %w", id, runID, err)
			}
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || !app.HasDetails() || app.Details(&st) != nil {
				// It failed before it had a status: it never reached production.
				return rec, nil
			}
			outcome = dora.Failed
			if app.Type() == workflows.ErrAborted {
				outcome = dora.Aborted
			}
		}
		r := releaseOf(st, outcome)
		rec.release = &r
		return rec, nil
	}
}

// releaseOf is the record of a finished release.
func releaseOf(st workflows.Status, outcome dora.Outcome) dora.Release {
	r := dora.Release{Version: st.Version, Outcome: outcome, Ended: st.Ended, CommitTimes: st.CommitTimes}
	for _, s := range st.Stages {
		switch {
		case (s.Name == workflows.StageCanary || s.Production) && r.Production.IsZero():
			// The first production deploy (prod's is the canary stage).
			r.Production = s.Started
		case s.Name == workflows.StagePromote && s.State == workflows.Done:
			r.Promoted = s.Ended
		}
	}
	return r
}

// forget drops what was read of workflows that closed before t: they can no
// longer fall in a window.
func (h *DORAHistory) forget(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, rec := range h.read {
		if rec.closed.Before(t) {
			delete(h.read, id)
		}
	}
}
