package control

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// GC prunes a product's old releases now (GCWorkflow) and waits for it.
func (r Releases) GC(ctx context.Context, in workflows.GCInput) (workflows.GCResult, error) {
	id := workflows.GCID(in.Pipeline.Product)
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(in.Pipeline.Product)),
		StaticSummary:            fmt.Sprintf("garbage collection of %s (dry run: %t)", in.Pipeline.Product, in.DryRun),
	}, workflows.GCWorkflow, in)
	if err != nil {
		return workflows.GCResult{}, fmt.Errorf("start %s: %w", id, err)
	}
	var res workflows.GCResult
	if err := run.Get(ctx, &res); err != nil {
		return res, fmt.Errorf("%s: %w", id, err)
	}
	return res, nil
}

// GCScheduleID is the ID of a product's garbage collection schedule.
func GCScheduleID(product string) string { return "gc/" + product }

// ScheduleGC makes (or updates) the Temporal Schedule that prunes the
// product every retention.every, and says whether it made it.
func (r Releases) ScheduleGC(ctx context.Context, in workflows.GCInput) (bool, error) {
	p := in.Pipeline
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: p.Retention.Every}}}
	action := &client.ScheduleWorkflowAction{
		ID:                    workflows.GCID(p.Product),
		Workflow:              "GCWorkflow",
		Args:                  []any{in},
		TaskQueue:             contract.WorkflowQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(p.Product)),
		StaticSummary:         fmt.Sprintf("garbage collection of %s every %s", p.Product, p.Retention.Every),
	}
	return r.upsertSchedule(ctx, GCScheduleID(p.Product), spec, action)
}
