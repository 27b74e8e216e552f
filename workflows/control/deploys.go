package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// Deploy reads one service deploy's status (its phase and canary verdicts).
func (r Releases) Deploy(ctx context.Context, product, version, env, service string) (workflows.DeployResult, error) {
	return r.deploy(ctx, workflows.DeployID(product, version, env, service))
}

// deploy reads the status of the service deploy with workflow ID id.
func (r Releases) deploy(ctx context.Context, id string) (workflows.DeployResult, error) {
	var d workflows.DeployResult
	v, err := r.Client.QueryWorkflow(ctx, id, "", contract.QueryStatus)
	if err != nil {
		return d, fmt.Errorf("query %s: %w", id, err)
	}
	return d, v.Get(&d)
}

// Deploying reads the service deploy a running release is in the middle
// of, or says it is in none.
func (r Releases) Deploying(ctx context.Context, product, version string) (workflows.DeployResult, error) {
	st, err := r.Status(ctx, product, version)
	if err != nil {
		return workflows.DeployResult{}, err
	}
	if st.Finished() || st.Deploying == "" {
		return workflows.DeployResult{}, &RefusedError{Release: product + " " + version,
			Reason: fmt.Sprintf("it is deploying nothing now (%s at %s); name the service with --service", st.State, st.Stage)}
	}
	return r.deploy(ctx, st.Deploying)
}

// CanaryDecision answers a marginal canary: continue or roll back.
func (r Releases) CanaryDecision(ctx context.Context, product, version, env, service string, req workflows.CanaryDecisionRequest) error {
	id := workflows.DeployID(product, version, env, service)
	p, err := r.sign(ctx, contract.CanaryDecision, req, product, id, false)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("%s %s has no deploy of %s to %s running: %w", product, version, service, env, ErrNotFound)
	} else if err != nil {
		return err
	}
	req.Auth = p
	h, err := r.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: contract.CanaryDecision, Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &app):
		return &RefusedError{Release: product + " " + version, Reason: app.Message()}
	case errors.As(err, &nf):
		return fmt.Errorf("%s %s has no deploy of %s to %s running: %w", product, version, service, env, ErrNotFound)
	}
	return err
}

// BakeRollback rolls back, with a switch of the router, the service deploy
// that bakes in env now, if a release holds env and one of its services
// (service, or any when empty) is in its bake: the previous version still
// runs there, so no redeploy is needed, and the release then fails and
// does what env's on_failure says. It returns the release's version and
// the service, or ok false when nothing bakes there.
func (r Releases) BakeRollback(ctx context.Context, product, env, service string, req workflows.CanaryDecisionRequest) (version, svc string, ok bool, err error) {
	rec, err := r.Running(ctx, product, env)
	if err != nil || rec.Holder == nil || rec.Holder.Rollback {
		return "", "", false, err
	}
	st, err := r.Status(ctx, product, rec.Holder.Version)
	if err != nil || st.Deploying == "" {
		return "", "", false, nil
	}
	d, err := r.deploy(ctx, st.Deploying)
	if err != nil || d.Env != env || !strings.HasPrefix(d.Phase, "bake:") || (service != "" && service != d.Service) {
		return "", "", false, nil
	}
	req.Continue = false
	if err := r.CanaryDecision(ctx, product, st.Version, env, d.Service, req); err != nil {
		return "", "", false, err
	}
	return st.Version, d.Service, true, nil
}
