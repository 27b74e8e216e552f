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

// StartStageDeploy signs and starts a temporary stage deploy. A name whose
// deploy is still running is refused; one that has ended may be used
// again (its branch keeps the picks and takes the new ones).
func (r Releases) StartStageDeploy(ctx context.Context, in workflows.StageDeployInput) (runID string, err error) {
	id := workflows.StageDeployID(in.Pipeline.Product, in.Name)
	if in.Auth, err = r.sign(ctx, workflows.ActionStageDeploy, in, in.Pipeline.Product, id, true); err != nil {
		return "", err
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ProductKey.ValueSet(in.Pipeline.Product), workflows.TrainKey.ValueSet(int64(in.Train)),
			workflows.EnvironmentKey.ValueSet(config.Stage)),
		StaticSummary: fmt.Sprintf("temporary stage deploy %s of %s (train %d), started by %s", in.Name, in.Pipeline.Product, in.Train, in.By),
	}, workflows.StageDeployWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return "", fmt.Errorf("a temporary stage deploy named %s of %s is still running; wait for it (`signalman stage-deploy status %s --name %s`) or choose another name",
			in.Name, in.Pipeline.Product, in.Pipeline.Product, in.Name)
	}
	if err != nil {
		return "", fmt.Errorf("start %s: %w", id, err)
	}
	return run.GetRunID(), nil
}

// StageDeployStatus reads what the temporary stage deploy name did and does.
func (r Releases) StageDeployStatus(ctx context.Context, product, name string) (workflows.StageDeployStatus, error) {
	var st workflows.StageDeployStatus
	err := r.queryStatus(ctx, workflows.StageDeployID(product, name), &st, fmt.Errorf("no temporary stage deploy named %s of %s: %w", name, product, ErrNotFound))
	return st, err
}

// queryStatus reads the status of workflow id into st; missing is the
// error when there is no such workflow.
func (r Releases) queryStatus(ctx context.Context, id string, st any, missing error) error {
	v, err := r.Client.QueryWorkflow(ctx, id, "", contract.QueryStatus)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return missing
	}
	if err != nil {
		return err
	}
	return v.Get(st)
}
