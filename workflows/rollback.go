package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
)

// RollbackInput returns an environment (or one service in it) to an
// earlier release's signed images.
type RollbackInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	Env      string          `json:"env"`
	// Service limits the rollback to one service; empty rolls back all.
	Service string `json:"service,omitempty"`
	// To is the version to return to; empty means the release in
	// production before the one serving now.
	To     string `json:"to,omitempty"`
	By     string `json:"by"`
	Reason string `json:"reason"`
	// Auth is By's signed statement of this rollback.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// RollbackResult says what was rolled back to what.
type RollbackResult struct {
	From     string         `json:"from"`
	To       string         `json:"to"`
	Services []DeployResult `json:"services"`
}

// RollbackID is the workflow ID of an environment's rollback: one at a time.
func RollbackID(product, env string) string {
	return fmt.Sprintf("rollback/%s/%s", product, env)
}

// RollbackWorkflow redeploys the previous (or named) release's signed
// images: each is verified again, deployed with no rebuild and smoke-tested,
// service by service in the configured order. Migrations never run
// backwards, so none runs here.
func RollbackWorkflow(ctx workflow.Context, in RollbackInput) (RollbackResult, error) {
	p := in.Pipeline
	logger := log.With(workflow.GetLogger(ctx), "product", p.Product, "env", in.Env)
	if workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		refused := func(err error) error {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s on %s by %s refused: %v", p.Product, in.Env, in.By, err), contract.ErrRefused, nil)
		}
		if _, err := newSignatures(trustOf(p), p.Product, nil).checkStart(ctx, ActionRollback, in); err != nil {
			return RollbackResult{}, refused(err)
		}
		if _, err := p.May(config.ActRollback, in.By, config.Who{Oncall: p.OncallNow(workflow.Now(ctx))}); err != nil {
			return RollbackResult{}, refused(err)
		}
	}
	if _, ok := p.Environments[in.Env]; !ok {
		return RollbackResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s: environment %q is not one of its pipeline's (%s)", p.Product, in.Env, strings.Join(p.EnvNames(), ", ")), ErrInvalid, nil)
	}
	services := p.OrderedServices()
	recordTo := func(string, contract.ReleaseRecord, contract.Artifact) {}
	if in.Service != "" {
		svc, ok := p.Service(in.Service)
		if !ok {
			return RollbackResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s: no service %q in the pipeline", p.Product, in.Service), ErrInvalid, nil)
		}
		services = []config.Service{svc}
	}
	// A rollback holds the environment like a release, ahead of every
	// release waiting for it. Rollbacks recorded before that replay
	// without.
	if workflow.GetVersion(ctx, "safety-rules", workflow.DefaultVersion, 1) == 1 {
		id := workflow.GetInfo(ctx).WorkflowExecution.ID
		claim := contract.Claim{ID: id, Version: in.To, Rollback: true, At: workflow.Now(ctx)}
		_, err := claimEnv(ctx, p.Product, in.Env, claim, func(g contract.Grant) {
			workflow.SetCurrentDetails(ctx, fmt.Sprintf("rollback of %s on %s: %s", p.Product, in.Env, waitingFor(in.Env, g)))
		})
		if err != nil {
			return RollbackResult{}, err
		}
		defer func() {
			if err := letGoEnv(ctx, p.Product, in.Env, id); err != nil {
				logger.Warn("environment not let go", "error", err)
			}
		}()
		recordTo = func(svc string, target contract.ReleaseRecord, art contract.Artifact) {
			err := recordEnv(ctx, p.Product, in.Env, contract.Running{
				Service: svc, Version: target.Version, Artifact: art, Commit: target.Commit, Since: workflow.Now(ctx),
				Release: id, ApprovedBy: []string{"rollback: " + in.By},
			})
			if err != nil {
				logger.Warn("rollback not recorded", "service", svc, "error", err)
			}
		}
	}
	var target contract.ReleaseRecord
	err := runIn(ctx, in.Env, contract.RollbackTargetName, contract.RollbackTargetRequest{Product: p.Product, Env: in.Env, Service: services[0].Name, To: in.To}, &target)
	if err != nil {
		return RollbackResult{}, err
	}
	logger.Warn("rolling back", "from", target.Current, "to", target.Version, "by", in.By, "reason", in.Reason)
	res := RollbackResult{From: target.Current, To: target.Version}
	for _, svc := range services {
		art, ok := artifactOf(target.Artifacts, svc.Name)
		if !ok {
			return res, temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s to %s: that release has no image of %s", p.Product, target.Version, svc.Name), ErrInvalid, nil)
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:          fmt.Sprintf("%s/%s", RollbackID(p.Product, in.Env), svc.Name),
			WaitForCancellation: true,
		})
		var d DeployResult
		err := workflow.ExecuteChildWorkflow(cctx, ServiceDeployWorkflow, redeploy(p, in.Env, svc, target.Version, target.Commit, art)).Get(ctx, &d)
		if err != nil {
			return res, fmt.Errorf("roll %s back to %s: %s", svc.Name, target.Version, cause(err))
		}
		res.Services = append(res.Services, d)
		recordTo(svc.Name, target, art)
	}
	// The channels, and the on-call, hear of every rollback. Rollbacks
	// recorded before replay without it.
	if workflow.GetVersion(ctx, "rollback-notify", workflow.DefaultVersion, 1) == 1 {
		req := contract.NotifyRequest{
			Product: p.Product, Version: target.Version, Stage: "rollback", Event: contract.EventRollback,
			Text:   fmt.Sprintf("%s on %s rolled back from %s to %s by %s: %s", p.Product, in.Env, target.Current, target.Version, in.By, in.Reason),
			OnCall: p.OncallNow(workflow.Now(ctx)),
		}
		if channels(p.Notifications, &req) {
			if err := run(ctx, contract.NotifyName, req, nil); err != nil {
				logger.Warn("rollback message not sent", "error", err)
			}
		}
	}
	return res, nil
}

func artifactOf(arts []contract.Artifact, service string) (contract.Artifact, bool) {
	for _, a := range arts {
		if a.Service == service {
			return a, true
		}
	}
	return contract.Artifact{}, false
}

// redeploy is the deploy of an earlier release's signed image of svc to
// env, as a rollback does it: verified again, no canary, no migrations
// (they never run backwards).
func redeploy(p config.Pipeline, env string, svc config.Service, version, commit string, art contract.Artifact) DeployInput {
	return DeployInput{
		Product:    p.Product,
		Version:    version,
		Commit:     commit,
		RepoURL:    p.Repository.URL,
		Env:        env,
		Target:     p.Environments[env].Target,
		Script:     p.Environments[env].Script,
		Service:    svc,
		Artifact:   art,
		VerifyKeys: p.Environments[env].VerifyKeys,
	}
}
