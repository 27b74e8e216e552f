package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
)

// Envs claims environments from their records in Temporal.
type Envs struct {
	Client client.Client
}

// ClaimEnv claims an environment for a release or a rollback, starting
// the environment's record if it is not running yet (starting and
// claiming are one request, so two first claims cannot both win). A
// holder that has ended without letting go (a release terminated from
// the Temporal UI) is let go on its behalf, so it never blocks the
// environment for good.
func (e *Envs) ClaimEnv(ctx context.Context, req contract.ClaimRequest) (contract.Grant, error) {
	if req.Product == "" || req.Env == "" || req.Claim.ID == "" {
		return contract.Grant{}, badInput("claim an environment: product %q, environment %q and claimant %q must all be set", req.Product, req.Env, req.Claim.ID)
	}
	id := contract.EnvID(req.Product, req.Env)
	for range 3 {
		g, err := e.claim(ctx, id, req)
		if err != nil || g.Granted {
			return g, err
		}
		gone, err := e.ended(ctx, g.Holder.ID)
		if err != nil || !gone {
			return g, err
		}
		if err := e.Client.SignalWorkflow(ctx, id, "", contract.EnvLetGo, g.Holder.ID); err != nil {
			return contract.Grant{}, fmt.Errorf("let go of %s for %s, which has ended: %w", id, g.Holder.ID, err)
		}
	}
	return e.claim(ctx, id, req)
}

// ReadEnv reads what runs in an environment and who holds it, from its
// record, without claiming it. An environment with no record yet has
// nothing running.
func (e *Envs) ReadEnv(ctx context.Context, req contract.ReadEnvRequest) (contract.EnvState, error) {
	st := contract.EnvState{Product: req.Product, Env: req.Env}
	if req.Product == "" || req.Env == "" {
		return st, badInput("read an environment's record: product %q and environment %q must both be set", req.Product, req.Env)
	}
	v, err := e.Client.QueryWorkflow(ctx, contract.EnvID(req.Product, req.Env), "", contract.QueryEnv)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the record of %s of %s: %w", req.Env, req.Product, err)
	}
	return st, v.Get(&st)
}

func (e *Envs) claim(ctx context.Context, id string, req contract.ClaimRequest) (contract.Grant, error) {
	start := e.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("%s of %s: one release at a time, and what runs there", req.Env, req.Product),
	}, contract.EnvironmentWorkflowName, contract.EnvState{Product: req.Product, Env: req.Env})
	h, err := e.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID:   id,
			UpdateName:   contract.EnvClaim,
			Args:         []any{req.Claim},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return contract.Grant{}, fmt.Errorf("claim %s for %s: %w", id, req.Claim.ID, err)
	}
	var g contract.Grant
	if err := h.Get(ctx, &g); err != nil {
		return contract.Grant{}, fmt.Errorf("claim %s for %s: %w", id, req.Claim.ID, err)
	}
	return g, nil
}

// ended reports whether the workflow id has no running execution.
func (e *Envs) ended(ctx context.Context, id string) (bool, error) {
	d, err := e.Client.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("is %s still running: %w", id, err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}
