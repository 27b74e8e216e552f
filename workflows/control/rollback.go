package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Rollback starts a rollback of an environment (one at a time per
// environment: a running one is joined) and waits for its result.
func (r Releases) Rollback(ctx context.Context, in workflows.RollbackInput) (workflows.RollbackResult, error) {
	id := workflows.RollbackID(in.Pipeline.Product, in.Env)
	var err error
	if in.Auth, err = r.sign(ctx, workflows.ActionRollback, in, in.Pipeline.Product, id, true); err != nil {
		return workflows.RollbackResult{}, err
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ProductKey.ValueSet(in.Pipeline.Product),
			workflows.EnvironmentKey.ValueSet(in.Env),
		),
		StaticSummary: fmt.Sprintf("rollback of %s on %s by %s: %s", in.Pipeline.Product, in.Env, in.By, in.Reason),
	}, workflows.RollbackWorkflow, in)
	if err != nil {
		return workflows.RollbackResult{}, fmt.Errorf("start %s: %w", id, err)
	}
	var res workflows.RollbackResult
	if err := run.Get(ctx, &res); err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == contract.ErrRefused {
			return res, &RefusedError{Release: in.Pipeline.Product + " rollback on " + in.Env, Reason: app.Message()}
		}
		return res, fmt.Errorf("%s: %w", id, err)
	}
	return res, nil
}
