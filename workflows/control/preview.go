package control

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Preview says what a release would change in an environment now, against
// what runs there: it runs a PreviewWorkflow (the environment's record is
// read and the commits are listed by the workers) and waits for it.
func (r Releases) Preview(ctx context.Context, in workflows.PreviewInput) (contract.Preview, error) {
	id := workflows.PreviewID(in.Pipeline.Product, in.Version, in.Env)
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            fmt.Sprintf("what %s %s changes on %s", in.Pipeline.Product, in.Version, in.Env),
	}, workflows.PreviewWorkflow, in)
	if err != nil {
		return contract.Preview{}, fmt.Errorf("start %s: %w", id, err)
	}
	var pv contract.Preview
	if err := run.Get(ctx, &pv); err != nil {
		return pv, fmt.Errorf("%s: %w", id, err)
	}
	return pv, nil
}
