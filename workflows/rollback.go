package workflows

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
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
	if in.Env != config.Stage && in.Env != config.Prod {
		return RollbackResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s: environment %q is not stage or prod", p.Product, in.Env), ErrInvalid, nil)
	}
	services := p.OrderedServices()
	if in.Service != "" {
		svc, ok := p.Service(in.Service)
		if !ok {
			return RollbackResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("rollback of %s: no service %q in the pipeline", p.Product, in.Service), ErrInvalid, nil)
		}
		services = []config.Service{svc}
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
		err := workflow.ExecuteChildWorkflow(cctx, ServiceDeployWorkflow, DeployInput{
			Product:    p.Product,
			Version:    target.Version,
			Commit:     target.Commit,
			RepoURL:    p.Repository.URL,
			Env:        in.Env,
			Target:     p.Environments[in.Env].Target,
			Service:    svc,
			Artifact:   art,
			VerifyKeys: p.Environments[in.Env].VerifyKeys,
		}).Get(ctx, &d)
		if err != nil {
			return res, fmt.Errorf("roll %s back to %s: %s", svc.Name, target.Version, cause(err))
		}
		res.Services = append(res.Services, d)
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
