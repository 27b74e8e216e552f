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

// StartTrain starts a product's train, or finds it running.
func (r Releases) StartTrain(ctx context.Context, in workflows.TrainInput) (runID string, err error) {
	id := workflows.TrainID(in.Pipeline.Product, in.Train)
	if in.Auth, err = r.sign(ctx, workflows.ActionTrainStart, in, in.Pipeline.Product, id, true); err != nil {
		return "", err
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ProductKey.ValueSet(in.Pipeline.Product), workflows.TrainKey.ValueSet(int64(in.Train))),
		StaticSummary: fmt.Sprintf("%s train %d, started by %s", in.Pipeline.Product, in.Train, in.TriggeredBy),
	}, workflows.TrainWorkflow, in)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", id, err)
	}
	return run.GetRunID(), nil
}

// TrainMessage sends a train a message (contract.Dot, contract.CloseTrain)
// as an update; a refusal comes back as a *RefusedError.
func (r Releases) TrainMessage(ctx context.Context, product string, train int, name string, req workflows.Signed) (workflows.TrainStatus, error) {
	var st workflows.TrainStatus
	id := workflows.TrainID(product, train)
	p, err := r.sign(ctx, name, req, product, id, false)
	if err == nil {
		var h client.WorkflowUpdateHandle
		h, err = r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: name, Args: []any{withProof(req, p)}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, &st)
		}
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return st, &RefusedError{Release: fmt.Sprintf("%s train %d", product, train), Reason: app.Message()}
	}
	return st, err
}

// TrainStatus reads a train's status.
func (r Releases) TrainStatus(ctx context.Context, product string, train int) (workflows.TrainStatus, error) {
	var st workflows.TrainStatus
	v, err := r.Client.QueryWorkflow(ctx, workflows.TrainID(product, train), "", contract.QueryStatus)
	if err != nil {
		return st, fmt.Errorf("status of %s train %d: %w", product, train, err)
	}
	return st, v.Get(&st)
}
