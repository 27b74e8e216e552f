package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// envContinueAfter continues an environment's record as new after this many
// changes, so its history stays short for a product that releases for years.
const envContinueAfter = 500

// envRecord is the state of one EnvironmentWorkflow run.
type envRecord struct {
	st      contract.EnvState
	log     log.Logger
	changes int
}

// EnvironmentWorkflow is a product's record of one environment (ID
// env/PRODUCT/ENV): it lets one release or rollback deploy there at a time,
// the others waiting in order with rollbacks first, and it knows which
// version of each service runs there, since when, from which release and
// approved by whom. Releases claim it through the ClaimEnvironment
// activity, let go of it and record their deploys by signal.
func EnvironmentWorkflow(ctx workflow.Context, in contract.EnvState) (contract.EnvState, error) {
	e := &envRecord{st: in, log: log.With(workflow.GetLogger(ctx), "product", in.Product, "env", in.Env)}
	if e.st.Running == nil {
		e.st.Running = map[string]contract.Running{}
	}
	e.show(ctx)
	if err := workflow.SetQueryHandler(ctx, contract.QueryEnv, func() (contract.EnvState, error) { return e.st, nil }); err != nil {
		return e.st, err
	}
	if err := workflow.SetUpdateHandler(ctx, contract.EnvClaim, e.claim); err != nil {
		return e.st, err
	}
	letGo := workflow.GetSignalChannel(ctx, contract.EnvLetGo)
	deployed := workflow.GetSignalChannel(ctx, contract.EnvDeployed)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(letGo, func(c workflow.ReceiveChannel, _ bool) {
				var id string
				c.Receive(ctx, &id)
				e.letGo(ctx, id)
				e.show(ctx)
			})
			sel.AddReceive(deployed, func(c workflow.ReceiveChannel, _ bool) {
				var r contract.Running
				c.Receive(ctx, &r)
				e.changes++
				e.st.Running[r.Service] = r
				e.log.Info("deployed", "service", r.Service, "version", r.Version, "release", r.Release)
				e.show(ctx)
			})
			sel.Select(ctx)
		}
	})
	err := workflow.Await(ctx, func() bool {
		return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || e.changes >= envContinueAfter
	})
	if err != nil {
		return e.st, err
	}
	// Take in what is already delivered, let updates in flight finish,
	// then carry everything over.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return e.st, err
	}
	for {
		var id string
		if !letGo.ReceiveAsync(&id) {
			break
		}
		e.letGo(ctx, id)
	}
	for {
		var r contract.Running
		if !deployed.ReceiveAsync(&r) {
			break
		}
		e.st.Running[r.Service] = r
	}
	return e.st, workflow.NewContinueAsNewError(ctx, EnvironmentWorkflow, e.st)
}

// claim gives the environment to c if nobody holds it, and otherwise
// queues c (once) behind the claims that go before it.
func (e *envRecord) claim(ctx workflow.Context, c contract.Claim) (contract.Grant, error) {
	e.changes++
	running := maps.Clone(e.st.Running)
	if h := e.st.Holder; h == nil || h.ID == c.ID {
		if h == nil {
			e.st.Holder = &c
			e.log.Info("claimed", "by", c.ID, "version", c.Version)
			e.show(ctx)
		}
		return contract.Grant{Granted: true, Running: running}, nil
	}
	i := slices.IndexFunc(e.st.Queue, func(q contract.Claim) bool { return q.ID == c.ID })
	if i < 0 {
		// A rollback goes ahead of every release waiting, behind the
		// rollbacks already waiting.
		i = len(e.st.Queue)
		if c.Rollback {
			i = slices.IndexFunc(e.st.Queue, func(q contract.Claim) bool { return !q.Rollback })
			if i < 0 {
				i = len(e.st.Queue)
			}
		}
		e.st.Queue = slices.Insert(e.st.Queue, i, c)
		e.log.Info("waiting", "claimant", c.ID, "holder", e.st.Holder.ID, "position", i+1)
	}
	e.show(ctx)
	return contract.Grant{Holder: *e.st.Holder, Position: i + 1, Running: running}, nil
}

// letGo ends id's hold, or its wait, and gives the environment to the
// next claimant that is still there.
func (e *envRecord) letGo(ctx workflow.Context, id string) {
	e.changes++
	e.st.Queue = slices.DeleteFunc(e.st.Queue, func(q contract.Claim) bool { return q.ID == id })
	if e.st.Holder == nil || e.st.Holder.ID != id {
		return
	}
	e.log.Info("let go", "by", id)
	e.st.Holder = nil
	for len(e.st.Queue) > 0 {
		next := e.st.Queue[0]
		e.st.Queue = e.st.Queue[1:]
		e.st.Holder = &next
		grant := contract.Grant{Granted: true, Running: maps.Clone(e.st.Running)}
		err := workflow.SignalExternalWorkflow(ctx, next.ID, "", contract.EnvGranted, grant).Get(ctx, nil)
		if err == nil {
			e.log.Info("claimed", "by", next.ID, "version", next.Version)
			return
		}
		// It has ended while it waited: the next one's turn.
		e.log.Info("waiting claimant gone", "claimant", next.ID, "error", err)
		e.st.Holder = nil
	}
}

// show publishes who holds the environment, who waits and what runs there
// as the workflow's current details, which the Temporal UI displays.
func (e *envRecord) show(ctx workflow.Context) {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s**: ", e.st.Product, e.st.Env)
	if h := e.st.Holder; h != nil {
		fmt.Fprintf(&b, "held by %s (%s)", h.ID, h.Version)
	} else {
		b.WriteString("free")
	}
	for i, q := range e.st.Queue {
		if i == 0 {
			b.WriteString("; waiting: ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(q.ID)
	}
	b.WriteString("\n\n| service | version | digest | since | release | approved by |\n|---|---|---|---|---|---|\n")
	for _, name := range slices.Sorted(maps.Keys(e.st.Running)) {
		r := e.st.Running[name]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, r.Version, r.Artifact.Digest, r.Since.UTC().Format("2006-01-02 15:04 MST"), r.Release, strings.Join(r.ApprovedBy, ", "))
	}
	for _, line := range e.st.Temporaries() {
		fmt.Fprintf(&b, "\n%s, until the next release's deploy replaces it", line)
	}
	workflow.SetCurrentDetails(ctx, b.String())
}
