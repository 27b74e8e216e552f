package control

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Deploy reads one service deploy's status (its phase and canary verdicts).
func (r Releases) Deploy(ctx context.Context, product, version, env, service string) (workflows.DeployResult, error) {
	return r.deploy(ctx, workflows.DeployID(product, version, env, service))
}

// deploy reads the status of the service deploy with workflow ID id.
func (r Releases) deploy(ctx context.Context, id string) (workflows.DeployResult, error) {
	var d workflows.DeployResult
	v, err := r.Client.QueryWorkflow(ctx, id, "", contract.QueryStatus)
	if err != nil {
		return d, fmt.Errorf("query %s: %w", id, err)
	}
	return d, v.Get(&d)
}

// Deploying reads the service deploy a running release is in the middle
// of, or says it is in none.
func (r Releases) Deploying(ctx context.Context, product, version string) (workflows.DeployResult, error) {
	st, err := r.Status(ctx, product, version)
	if err != nil {
		return workflows.DeployResult{}, err
	}
	if st.Finished() || st.Deploying == "" {
		return workflows.DeployResult{}, &RefusedError{Release: product + " " + version,
			Reason: fmt.Sprintf("it is deploying nothing now (%s at %s); name the service with --service", st.State, st.Stage)}
	}
	return r.deploy(ctx, st.Deploying)
}

// CanaryDecision answers a marginal canary: continue or roll back.
func (r Releases) CanaryDecision(ctx context.Context, product, version, env, service string, req workflows.CanaryDecisionRequest) error {
	id := workflows.DeployID(product, version, env, service)
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: contract.CanaryDecision, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app):
		return &RefusedError{Release: product + " " + version, Reason: app.Message()}
	case errors.As(err, &nf):
		return fmt.Errorf("%s %s has no deploy of %s to %s running: %w", product, version, service, env, ErrNotFound)
	}
	return err
}
