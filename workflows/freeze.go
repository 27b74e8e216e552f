package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
)

// freezeLog bounds the past freezes a freeze workflow keeps.
const freezeLog = 20

// freezeContinueAfter continues the freeze workflow as new after this many
// freezes, unfreezes and watches, so its history stays short even when
// Temporal does not suggest it yet.
const freezeContinueAfter = 500

// FreezeRequest freezes production, or lifts the freeze (Reason unused).
type FreezeRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

func (r FreezeRequest) who() string { return r.By }

// FreezeInput starts a product's freeze workflow or carries it on across
// continue-as-new.
type FreezeInput struct {
	Pipeline config.Pipeline   `json:"pipeline"`
	Current  contract.Freeze   `json:"current"`
	Past     []contract.Freeze `json:"past,omitempty"`
	// Watchers are the releases waiting for the freeze to end.
	Watchers []string `json:"watchers,omitempty"`
	// Nonces are the signed requests accepted and not yet expired, so
	// none is used twice across continue-as-new.
	Nonces map[string]time.Time `json:"nonces,omitempty"`
}

// FreezeStatus is what the freeze query returns.
type FreezeStatus struct {
	Product  string            `json:"product"`
	Current  contract.Freeze   `json:"current"`
	Past     []contract.Freeze `json:"past,omitempty"`
	Watchers []string          `json:"watchers,omitempty"`
}

type freezer struct {
	in      FreezeInput
	log     log.Logger
	changes int
	sigs    *signatures
}

// FreezeWorkflow holds one product's production freeze (ID freeze/PRODUCT).
// While frozen, every release that reaches its production deploy waits
// (unless it has an approved exception); the releases waiting are woken
// when the freeze is lifted. Freezing and unfreezing are updates with
// validators (the CLI) and signals (the Temporal UI); only listed
// approvers and release managers may do either.
func FreezeWorkflow(ctx workflow.Context, in FreezeInput) (FreezeStatus, error) {
	f := &freezer{in: in, log: log.With(workflow.GetLogger(ctx), "product", in.Pipeline.Product)}
	f.sigs = newSignatures(trustOf(in.Pipeline), in.Pipeline.Product, in.Nonces)
	f.in.Nonces = f.sigs.used
	if err := workflow.SetQueryHandler(ctx, contract.QueryFreeze, func() (FreezeStatus, error) { return f.status(), nil }); err != nil {
		return f.status(), err
	}
	for _, m := range []struct {
		name  string
		check func(workflow.Context, FreezeRequest) error
		apply func(workflow.Context, FreezeRequest)
	}{
		{contract.FreezeProduct, f.checkFreeze, f.freeze},
		{contract.UnfreezeProduct, f.checkUnfreeze, f.unfreeze},
	} {
		valid := func(ctx workflow.Context, req FreezeRequest) error {
			if _, err := f.sigs.check(ctx, m.name, req); err != nil {
				return fmt.Errorf("%s refused for %s: %w", m.name, req.By, err)
			}
			return m.check(ctx, req)
		}
		err := workflow.SetUpdateHandlerWithOptions(ctx, m.name,
			func(ctx workflow.Context, req FreezeRequest) (FreezeStatus, error) {
				if _, err := f.sigs.accept(ctx, m.name, req); err != nil {
					return f.status(), err
				}
				m.apply(ctx, req)
				return f.status(), nil
			},
			workflow.UpdateHandlerOptions{Validator: valid},
		)
		if err != nil {
			return f.status(), err
		}
		ch := workflow.GetSignalChannel(ctx, m.name)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				var req FreezeRequest
				ch.Receive(ctx, &req)
				if err := valid(ctx, req); err != nil {
					f.log.Warn("freeze signal refused", "message", m.name, "by", req.By, "reason", err.Error())
					continue
				}
				f.sigs.accept(ctx, m.name, req)
				m.apply(ctx, req)
			}
		})
	}
	err := workflow.SetUpdateHandler(ctx, contract.FreezeWatch, func(ctx workflow.Context, watcher string) (contract.Freeze, error) {
		f.changes++
		if f.in.Current.Frozen && !slices.Contains(f.in.Watchers, watcher) {
			f.in.Watchers = append(f.in.Watchers, watcher)
		}
		return f.in.Current, nil
	})
	if err != nil {
		return f.status(), err
	}
	err = workflow.Await(ctx, func() bool {
		return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || f.changes >= freezeContinueAfter
	})
	if err != nil {
		return f.status(), err
	}
	// Let updates in flight finish, then carry everything over.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return f.status(), err
	}
	return f.status(), workflow.NewContinueAsNewError(ctx, FreezeWorkflow, f.in)
}

func (f *freezer) status() FreezeStatus {
	return FreezeStatus{Product: f.in.Pipeline.Product, Current: f.in.Current, Past: f.in.Past, Watchers: f.in.Watchers}
}

// mayFreeze refuses anyone the pipeline's permissions do not allow
// (before permissions: anyone but listed approvers and release managers).
func (f *freezer) mayFreeze(ctx workflow.Context, person, what string) error {
	if strings.TrimSpace(person) == "" {
		return fmt.Errorf("who wants to %s %s? give the person's name", what, f.in.Pipeline.Product)
	}
	p := f.in.Pipeline
	if ok, err := p.May(what, person, config.Who{Oncall: p.OncallNow(workflow.Now(ctx))}); ok || err != nil {
		return err
	}
	if slices.Contains(f.in.Pipeline.Release.Managers, person) {
		return nil
	}
	// Any role will do, so the map's order does not matter.
	for _, people := range f.in.Pipeline.Approvers {
		if slices.Contains(people, person) {
			return nil
		}
	}
	return fmt.Errorf("%s may not %s %s: only listed approvers and release managers may", person, what, f.in.Pipeline.Product)
}

func (f *freezer) checkFreeze(ctx workflow.Context, req FreezeRequest) error {
	if err := f.mayFreeze(ctx, req.By, config.ActFreeze); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return fmt.Errorf("a freeze needs a reason")
	}
	if c := f.in.Current; c.Frozen {
		return fmt.Errorf("%s is already frozen by %s since %s: %s", f.in.Pipeline.Product, c.By, c.Since.UTC().Format("2006-01-02 15:04 MST"), c.Reason)
	}
	return nil
}

func (f *freezer) freeze(ctx workflow.Context, req FreezeRequest) {
	f.changes++
	f.in.Current = contract.Freeze{Frozen: true, By: req.By, Reason: req.Reason, Since: workflow.Now(ctx)}
	f.log.Warn("production frozen", "by", req.By, "reason", req.Reason)
	f.post(ctx, fmt.Sprintf(":snowflake: %s production is frozen by %s: %s. Production deploys wait until it is lifted, except an approved exception.",
		f.in.Pipeline.Product, req.By, req.Reason))
}

func (f *freezer) checkUnfreeze(ctx workflow.Context, req FreezeRequest) error {
	if err := f.mayFreeze(ctx, req.By, config.ActUnfreeze); err != nil {
		return err
	}
	if !f.in.Current.Frozen {
		return fmt.Errorf("%s is not frozen", f.in.Pipeline.Product)
	}
	return nil
}

func (f *freezer) unfreeze(ctx workflow.Context, req FreezeRequest) {
	f.changes++
	lifted := f.in.Current
	lifted.Frozen, lifted.LiftedBy, lifted.LiftedAt = false, req.By, workflow.Now(ctx)
	f.in.Current = contract.Freeze{}
	f.in.Past = append(f.in.Past, lifted)
	if n := len(f.in.Past); n > freezeLog {
		f.in.Past = f.in.Past[n-freezeLog:]
	}
	watchers := f.in.Watchers
	f.in.Watchers = nil
	f.log.Info("production freeze lifted", "by", req.By, "waiting", len(watchers))
	// Wake every waiting release. One that has ended since is gone, which
	// is fine: it no longer waits.
	for _, id := range watchers {
		err := workflow.SignalExternalWorkflow(ctx, id, "", contract.FreezeLifted, lifted).Get(ctx, nil)
		if err != nil {
			f.log.Info("waiting release not signalled", "release", id, "error", err)
		}
	}
	f.post(ctx, fmt.Sprintf(":sunny: %s production freeze lifted by %s (it was: %s). %d waiting release(s) carry on.",
		f.in.Pipeline.Product, req.By, lifted.Reason, len(watchers)))
}

// post announces a change of the freeze in the product's channels.
func (f *freezer) post(ctx workflow.Context, text string) {
	req := contract.NotifyRequest{Product: f.in.Pipeline.Product, Text: text, Stage: "freeze", Event: contract.EventFreeze}
	if !channels(f.in.Pipeline.Notifications, &req) {
		return
	}
	if err := run(ctx, contract.NotifyName, req, nil); err != nil {
		f.log.Warn("freeze message not sent", "error", err)
	}
}

// waitFreeze waits while the product's production is frozen, until the
// freeze is lifted or an exception is approved, and says whether it waited.
func (r *release) waitFreeze(ctx workflow.Context, stage string) (bool, error) {
	var fz contract.Freeze
	err := run(ctx, contract.FreezeCheckName, contract.FreezeCheckRequest{
		Product: r.in.Pipeline.Product, Watcher: workflow.GetInfo(ctx).WorkflowExecution.ID,
	}, &fz)
	if err != nil {
		return false, err
	}
	if !fz.Frozen {
		return false, nil
	}
	r.st.Freeze = &fz
	r.lifted = nil
	what := fmt.Sprintf("production frozen by %s since %s: %s; waiting for the freeze to be lifted or an approved exception",
		fz.By, fz.Since.UTC().Format("2006-01-02 15:04 MST"), fz.Reason)
	r.wait(ctx, stage, Waiting, what)
	_, _ = r.post(ctx, stage, fmt.Sprintf("%s %s: %s", r.st.Product, r.st.Version, what), nil)
	if err := workflow.Await(ctx, func() bool { return r.lifted != nil || r.st.Exception != nil || r.st.Abort != nil }); err != nil {
		return true, err
	}
	if r.st.Abort != nil {
		return true, errAborted
	}
	if r.lifted != nil {
		r.st.Freeze = r.lifted
		r.detail(ctx, stage, fmt.Sprintf("freeze lifted by %s", r.lifted.LiftedBy))
	}
	return true, nil
}
