package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// unreleased is a build of one commit of a branch that is no release: an
// environment's followed branch, or a temporary stage deploy's branch.
type unreleased struct {
	Branch string
	Commit string
	// Version is BRANCH-SHA7 (FollowVersion), never a release version.
	Version  string
	Services []config.Service
	// Record is what the environment's record is told of each service
	// besides the deploy itself (a temporary deploy and who asked for it).
	Record contract.Running
}

// deployUnreleased builds u's services, signs the images with the
// non-release key (contract.FollowKey), which only the environments that
// take such builds trust, and deploys them to env one after another,
// holding env like a release and recording each in env's record. It
// returns the images once they are built, also when a deploy fails.
func deployUnreleased(ctx workflow.Context, p config.Pipeline, env string, u unreleased, doing func(string)) ([]contract.Artifact, error) {
	e := p.Environments[env]
	id := workflow.GetInfo(ctx).WorkflowExecution.ID

	doing("building " + u.Version)
	number := 0
	if err := run(ctx, contract.BuildNumberName, contract.BuildNumberRequest{Product: p.Product}, &number); err != nil {
		return nil, err
	}
	arts := make([]contract.Artifact, len(u.Services))
	err := parallel(ctx, len(u.Services), p.Release.BuildParallelism, func(ctx workflow.Context, i int) error {
		svc := u.Services[i]
		err := run(ctx, contract.BuildName, contract.BuildRequest{
			Product: p.Product, Version: u.Version, Commit: u.Commit, RepoURL: p.Repository.URL,
			Service: svc.Name, Build: svc.Build, Number: number, Follow: u.Branch,
		}, &arts[i])
		if err != nil {
			return err
		}
		return run(ctx, contract.SignName, contract.SignRequest{
			Product: p.Product, Version: u.Version, Commit: u.Commit, RepoURL: p.Repository.URL,
			Artifact: arts[i], Build: svc.Build, Invocation: id, Key: contract.FollowKey,
		}, nil)
	})
	if err != nil {
		return nil, err
	}

	doing("waiting for " + env)
	claim := contract.Claim{ID: id, Version: u.Version, At: workflow.Now(ctx)}
	if _, err := claimEnv(ctx, p.Product, env, claim, func(g contract.Grant) { doing(waitingFor(env, g)) }); err != nil {
		return arts, err
	}
	defer func() {
		if err := letGoEnv(ctx, p.Product, env, id); err != nil {
			workflow.GetLogger(ctx).Warn("environment not let go", "env", env, "error", err)
		}
	}()
	for i, svc := range u.Services {
		doing(fmt.Sprintf("deploying %s %s (%d of %d)", svc.Name, u.Version, i+1, len(u.Services)))
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:          DeployID(p.Product, u.Version, env, svc.Name),
			WaitForCancellation: true,
		})
		in := redeploy(p, env, svc, u.Version, u.Commit, arts[i])
		in.Canary, in.Bake = e.Canary, e.Bake
		var res DeployResult
		if err := workflow.ExecuteChildWorkflow(cctx, ServiceDeployWorkflow, in).Get(ctx, &res); err != nil {
			return arts, fmt.Errorf("%s: %w", svc.Name, err)
		}
		r := u.Record
		r.Service, r.Version, r.Artifact, r.Commit, r.Since, r.Release = svc.Name, u.Version, arts[i], u.Commit, workflow.Now(ctx), id
		if err := recordEnv(ctx, p.Product, env, r); err != nil {
			workflow.GetLogger(ctx).Warn("deploy not recorded", "env", env, "service", svc.Name, "error", err)
		}
	}
	return arts, nil
}
