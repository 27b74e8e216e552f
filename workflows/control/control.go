// Package control is the client side of Signalman's workflows: start a
// release, send it gate messages, read its status. The CLI, the Slack
// endpoint and the demo all go through it, so a refusal reads the same
// everywhere.
package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
	"github.com/signalman/signalman/workflows"
)

// ErrNotFound means no release with that product and version exists.
var ErrNotFound = errors.New("release not found")

// RefusedError is a gate message the release refused, with its reason.
type RefusedError struct {
	Release string
	Reason  string
}

func (e *RefusedError) Error() string { return fmt.Sprintf("%s refused: %s", e.Release, e.Reason) }

// Releases talks to release workflows through a Temporal client.
type Releases struct {
	Client client.Client
	// Sign signs the requests of the person acting; nil sends them
	// unsigned.
	Sign Signer
}

// Start starts a release, or finds it when it is already running. A release
// that has finished is never started again: a new version is a new release.
func (r Releases) Start(ctx context.Context, in workflows.ReleaseInput) (runID string, existing bool, err error) {
	id := workflows.ReleaseID(in.Pipeline.Product, in.Version)
	desc, err := r.Client.DescribeWorkflowExecution(ctx, id, "")
	if err == nil {
		info := desc.GetWorkflowExecutionInfo()
		if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return info.GetExecution().GetRunId(), true, nil
		}
		return "", false, fmt.Errorf("%s %s was already released (%s); a version is released once: release a new version instead",
			in.Pipeline.Product, in.Version, status(info.GetStatus()))
	}
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		return "", false, fmt.Errorf("look up %s: %w", id, err)
	}
	v, err := version.Parse(in.Version)
	if err != nil {
		return "", false, err
	}
	if in.Auth, err = r.sign(ctx, workflows.ActionReleaseStart, in, in.Pipeline.Product, id, true); err != nil {
		return "", false, err
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                contract.WorkflowQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.ProductKey.ValueSet(in.Pipeline.Product),
			workflows.VersionKey.ValueSet(in.Version),
			workflows.TrainKey.ValueSet(int64(v.Train)),
			workflows.StageKey.ValueSet(workflows.StageTag),
		),
		StaticSummary: workflows.ReleaseSummary(in),
	}, workflows.ReleaseWorkflow, in)
	if err != nil {
		return "", false, fmt.Errorf("start %s: %w", id, err)
	}
	return run.GetRunID(), false, nil
}

// Send delivers a gate message (contract.Signoff, OverrideWindow, Decide,
// Abort) as an update, so a refusal comes back at once as a *RefusedError.
func (r Releases) Send(ctx context.Context, product, version, name string, req workflows.Signed) (workflows.Status, error) {
	id := workflows.ReleaseID(product, version)
	if _, err := r.describe(ctx, product, version); err != nil {
		return workflows.Status{}, err
	}
	p, err := r.sign(ctx, name, req, product, id, false)
	if err != nil {
		return workflows.Status{}, err
	}
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   name,
		Args:         []any{withProof(req, p)},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var st workflows.Status
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) {
			return st, &RefusedError{Release: product + " " + version, Reason: app.Message()}
		}
		var done *serviceerror.NotFound
		if errors.As(err, &done) {
			return st, &RefusedError{Release: product + " " + version, Reason: "the release has already finished"}
		}
		return st, fmt.Errorf("send %s to %s: %w", name, id, err)
	}
	return st, nil
}

// Status reads a release's status: from the running workflow, or from the
// result of a finished one (which needs no worker).
func (r Releases) Status(ctx context.Context, product, version string) (workflows.Status, error) {
	id := workflows.ReleaseID(product, version)
	desc, err := r.describe(ctx, product, version)
	if err != nil {
		return workflows.Status{}, err
	}
	info := desc.GetWorkflowExecutionInfo()
	var st workflows.Status
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		v, err := r.Client.QueryWorkflow(ctx, id, "", contract.QueryStatus)
		if err != nil {
			return st, fmt.Errorf("query %s: %w (is a worker running?)", id, err)
		}
		if err := v.Get(&st); err != nil {
			return st, err
		}
		r.deployPhase(ctx, &st)
		st.Retrying = append(r.stuck(ctx, desc), localStuck(id, st.Local, time.Now())...)
		r.deployStuck(ctx, &st)
		return st, nil
	}
	err = r.Client.GetWorkflow(ctx, id, "").Get(ctx, &st)
	if err == nil {
		return st, nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() {
		if derr := app.Details(&st); derr == nil {
			return st, nil
		}
	}
	st = workflows.Status{Product: product, Version: version, State: status(info.GetStatus()), Error: err.Error()}
	return st, nil
}

// deployPhase fills in what the release's running service deploy is
// doing, so a canary waiting for a person shows at the release. A deploy
// that ended between the two queries leaves it empty.
func (r Releases) deployPhase(ctx context.Context, st *workflows.Status) {
	if st.Deploying == "" {
		return
	}
	d, err := r.deploy(ctx, st.Deploying)
	if err != nil || d.Phase == "" {
		return
	}
	st.DeployPhase = fmt.Sprintf("%s on %s: %s", d.Service, d.Env, d.Phase)
}

// describe finds a release's workflow or says it does not exist.
func (r Releases) describe(ctx context.Context, product, version string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	id := workflows.ReleaseID(product, version)
	desc, err := r.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("%w: no release %s %s (workflow %s); `signalman list --product %s` shows the releases there are", ErrNotFound, product, version, id, product)
		}
		return nil, fmt.Errorf("look up %s: %w", id, err)
	}
	return desc, nil
}

// status names a workflow execution status the way the CLI shows it.
func status(s enumspb.WorkflowExecutionStatus) string {
	switch s {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return workflows.Running
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return workflows.Succeeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return workflows.Failed
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return "canceled"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		return "terminated"
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return "timed out"
	}
	return "unknown"
}
