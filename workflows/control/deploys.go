package control

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/workflows"
)

// Deploy reads one service deploy's status (its phase and canary verdicts).
func (r Releases) Deploy(ctx context.Context, product, version, env, service string) (workflows.DeployResult, error) {
	var d workflows.DeployResult
	v, err := r.Client.QueryWorkflow(ctx, workflows.DeployID(product, version, env, service), "", workflows.QueryStatus)
	if err != nil {
		return d, fmt.Errorf("query deploy of %s %s to %s: %w", service, version, env, err)
	}
	return d, v.Get(&d)
}

// CanaryDecision answers a marginal canary: continue or roll back.
func (r Releases) CanaryDecision(ctx context.Context, product, version, env, service string, req workflows.CanaryDecisionRequest) error {
	id := workflows.DeployID(product, version, env, service)
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: workflows.CanaryDecision, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
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
