package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// claimRecheck is how long a claimant waits for its turn before asking the
// environment's record again; asking again lets go of a holder that ended
// without letting go.
const claimRecheck = 5 * time.Minute

// claimEnv claims env of product for c and waits for its turn, calling
// waiting with the record's answer whenever it has to wait. It returns
// the grant, which says what ran in env when the turn came.
func claimEnv(ctx workflow.Context, product, env string, c contract.Claim, waiting func(contract.Grant)) (contract.Grant, error) {
	granted := workflow.GetSignalChannel(ctx, contract.EnvGranted)
	drain := func() {
		var stale contract.Grant
		for granted.ReceiveAsync(&stale) {
		}
	}
	for {
		// A grant from a turn that ended (a claim let go to wait for the
		// window) must not count for this one.
		drain()
		var g contract.Grant
		if err := run(ctx, contract.ClaimEnvName, contract.ClaimRequest{Product: product, Env: env, Claim: c}, &g); err != nil {
			return g, err
		}
		if g.Granted {
			drain()
			return g, nil
		}
		waiting(g)
		tctx, cancel := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(granted, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, &g) })
		sel.AddFuture(workflow.NewTimer(tctx, claimRecheck), func(workflow.Future) {})
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return g, err
		}
		if g.Granted {
			return g, nil
		}
	}
}

// letGoEnv ends c's hold of env, or its wait for it. It runs even while
// the workflow is being cancelled: an aborted release lets go at once.
func letGoEnv(ctx workflow.Context, product, env, id string) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return signalEnv(dctx, product, env, contract.EnvLetGo, id).Get(dctx, nil)
}

// recordEnv tells env's record what runs there now.
func recordEnv(ctx workflow.Context, product, env string, r contract.Running) error {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return signalEnv(dctx, product, env, contract.EnvDeployed, r).Get(dctx, nil)
}

// signalEnv sends env's record a signal and returns the future of its
// delivery. Given a disconnected context, it is sent even while the
// workflow is being cancelled.
func signalEnv(ctx workflow.Context, product, env, signal string, arg any) workflow.Future {
	return workflow.SignalExternalWorkflow(ctx, contract.EnvID(product, env), "", signal, arg)
}

// waitingFor says what a claimant waits for.
func waitingFor(env string, g contract.Grant) string {
	who := g.Holder.Version + " to finish deploying " + env
	if g.Holder.Rollback {
		who = "the rollback of " + env + " to finish"
		if g.Holder.Version != "" {
			who = fmt.Sprintf("the rollback of %s to %s to finish", env, g.Holder.Version)
		}
	}
	line := ""
	if g.Position > 1 {
		line = fmt.Sprintf(" (%d in line)", g.Position)
	}
	return "waiting for " + who + line
}
