package activities

import (
	"context"
	"fmt"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
)

// History reads release history from Temporal: which release a rollback
// returns to.
type History struct {
	Client client.Client
	// Current returns the version a service serves now in an environment.
	Current func(ctx context.Context, product, env, service string) (string, error)
}

// releaseResult is the part of a release's result a rollback needs.
type releaseResult struct {
	Version   string              `json:"version"`
	Commit    string              `json:"commit"`
	Artifacts []contract.Artifact `json:"artifacts"`
}

// RollbackTarget returns the release to roll back to: the one named, or
// the newest release older than the version serving now. Only releases
// that succeeded count: their images were verified and ran.
func (h *History) RollbackTarget(ctx context.Context, req contract.RollbackTargetRequest) (contract.ReleaseRecord, error) {
	current, err := h.Current(ctx, req.Product, req.Env, req.Service)
	if err != nil {
		return contract.ReleaseRecord{}, err
	}
	cur, err := version.Parse(current)
	if err != nil {
		return contract.ReleaseRecord{}, badInput("rollback of %s: the serving version %q: %v", req.Product, current, err)
	}
	var best *contract.ReleaseRecord
	var bestV version.Version
	query := fmt.Sprintf("WorkflowType = 'ReleaseWorkflow' AND SignalmanProduct = '%s' AND ExecutionStatus = 'Completed'", req.Product)
	var token []byte
	for {
		resp, err := h.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return contract.ReleaseRecord{}, fmt.Errorf("list releases of %s: %w", req.Product, err)
		}
		for _, e := range resp.GetExecutions() {
			var r releaseResult
			ex := e.GetExecution()
			if err := h.Client.GetWorkflow(ctx, ex.GetWorkflowId(), ex.GetRunId()).Get(ctx, &r); err != nil {
				return contract.ReleaseRecord{}, fmt.Errorf("read release %s: %w", ex.GetWorkflowId(), err)
			}
			rec := contract.ReleaseRecord{Version: r.Version, Commit: r.Commit, Artifacts: r.Artifacts, Current: current}
			if req.To != "" {
				if r.Version == req.To {
					return rec, nil
				}
				continue
			}
			v, err := version.Parse(r.Version)
			if err != nil || !v.Less(cur) || (best != nil && !bestV.Less(v)) {
				continue
			}
			best, bestV = &rec, v
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if best != nil {
		return *best, nil
	}
	if req.To != "" {
		return contract.ReleaseRecord{}, badInput("rollback of %s: no successful release %s to return to", req.Product, req.To)
	}
	return contract.ReleaseRecord{}, badInput("rollback of %s on %s: no successful release older than %s to return to", req.Product, req.Env, current)
}

// Current is the version a service's router serves as stable.
func (d *Deployer) Current(ctx context.Context, product, env, service string) (string, error) {
	rc, _, err := d.router(ctx, product, env, service)
	if err != nil {
		return "", err
	}
	st, err := rc.State(ctx)
	if err != nil {
		return "", err
	}
	if st.Stable == nil {
		return "", badInput("%s has no version serving on %s", service, env)
	}
	return st.Stable.Version, nil
}
