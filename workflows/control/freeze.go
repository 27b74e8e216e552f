package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Freeze freezes a product's production deploys, starting its freeze
// workflow if it has none yet; a refusal comes back as a *RefusedError.
func (r Releases) Freeze(ctx context.Context, p config.Pipeline, req workflows.FreezeRequest) (workflows.FreezeStatus, error) {
	id := contract.FreezeID(p.Product)
	_, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(p.Product)),
		StaticSummary:            fmt.Sprintf("production freezes of %s", p.Product),
	}, workflows.FreezeWorkflow, workflows.FreezeInput{Pipeline: p})
	if err != nil {
		return workflows.FreezeStatus{}, fmt.Errorf("start %s: %w", id, err)
	}
	return r.freezeMessage(ctx, p.Product, contract.FreezeProduct, req)
}

// Unfreeze lifts a product's freeze and wakes the releases waiting for it.
func (r Releases) Unfreeze(ctx context.Context, product string, req workflows.FreezeRequest) (workflows.FreezeStatus, error) {
	return r.freezeMessage(ctx, product, contract.UnfreezeProduct, req)
}

func (r Releases) freezeMessage(ctx context.Context, product, name string, req workflows.FreezeRequest) (workflows.FreezeStatus, error) {
	var st workflows.FreezeStatus
	p, err := r.sign(ctx, name, req, product, contract.FreezeID(product), false)
	if err == nil {
		req.Auth = p
		var h client.WorkflowUpdateHandle
		h, err = r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: contract.FreezeID(product), UpdateName: name, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &st)
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, &RefusedError{Release: product, Reason: product + " is not frozen (it never was)"}
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return st, &RefusedError{Release: product + " " + name, Reason: app.Message()}
	}
	return st, err
}

// FreezeStatus reads a product's freeze; a product never frozen is not.
func (r Releases) FreezeStatus(ctx context.Context, product string) (workflows.FreezeStatus, error) {
	st := workflows.FreezeStatus{Product: product}
	v, err := r.Client.QueryWorkflow(ctx, contract.FreezeID(product), "", contract.QueryFreeze)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("freeze of %s: %w", product, err)
	}
	return st, v.Get(&st)
}
