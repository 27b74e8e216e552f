package control

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Follow starts the workflow that deploys every new commit of the main
// branch to env, unless it runs already.
func (r Releases) Follow(ctx context.Context, in workflows.FollowInput) error {
	id := workflows.FollowID(in.Pipeline.Product, in.Env)
	_, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ProductKey.ValueSet(in.Pipeline.Product), workflows.EnvironmentKey.ValueSet(in.Env)),
		StaticSummary: fmt.Sprintf("%s of %s follows %s", in.Env, in.Pipeline.Product, in.Pipeline.Environments[in.Env].Follow),
	}, workflows.FollowWorkflow, in)
	if err != nil {
		return fmt.Errorf("start %s: %w", id, err)
	}
	return nil
}

// FollowStatus reads what the follow workflow of env did and does.
func (r Releases) FollowStatus(ctx context.Context, product, env string) (workflows.FollowStatus, error) {
	var st workflows.FollowStatus
	err := r.queryStatus(ctx, workflows.FollowID(product, env), &st, fmt.Errorf("%s of %s follows nothing yet; start it with `signalman follow`: %w", env, product, ErrNotFound))
	return st, err
}

// StopFollowing cancels the follow workflow of env; a deploy under way
// rolls back, as a cancelled deploy does.
func (r Releases) StopFollowing(ctx context.Context, product, env string) error {
	err := r.Client.CancelWorkflow(ctx, workflows.FollowID(product, env), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return err
}
