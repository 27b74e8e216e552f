package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/window"
)

// window holds a production environment until the ship time (the ETA, or the ship delay
// after the last signoff) and then until the deploy window is open, unless
// an exception was approved.
func (r *release) window(ctx workflow.Context, stage, env string) error {
	for {
		if err := r.waitWindow(ctx, stage, env); err != nil {
			return err
		}
		// An approved exception passes a freeze too. Releases recorded
		// before freezes existed replay without asking.
		waited := false
		if r.st.Exception == nil && workflow.GetVersion(ctx, "freeze", workflow.DefaultVersion, 1) == 1 {
			var err error
			if waited, err = r.waitFreeze(ctx, stage); err != nil {
				return err
			}
		}
		// The freeze is over (or an exception came): the window may have
		// shut meanwhile, so look again.
		if waited {
			continue
		}
		// Signoffs too old to count at the moment of shipping are asked
		// for again, and then the window is looked at again. Releases
		// recorded before approvals expired replay without it.
		if workflow.GetVersion(ctx, "signoff-expiry", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return nil
		}
		renewed, err := r.renewSignoffs(ctx)
		if err != nil || !renewed {
			return err
		}
	}
}

// waitWindow waits for the ship time and the open deploy window.
func (r *release) waitWindow(ctx workflow.Context, stage, env string) error {
	cal, err := calendar(r.in.Pipeline.Environments[env].Window)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("environments."+env+".window: "+err.Error(), ErrInvalid, err)
	}
	r.st.ShipAt = r.shipAt(ctx)
	interrupted := func() bool { return r.st.Exception != nil || r.st.Abort != nil }
	for {
		if e := r.st.Exception; e != nil {
			r.detail(ctx, stage, fmt.Sprintf("exception (%s) approved by %s: %s", e.Reason, e.Person, e.Justification))
			return nil
		}
		if r.st.Abort != nil {
			return errAborted
		}
		now := workflow.Now(ctx)
		if now.Before(r.st.ShipAt) {
			r.wait(ctx, stage, Waiting, "ships at "+r.st.ShipAt.UTC().Format("2006-01-02 15:04 MST"))
			if _, err := workflow.AwaitWithTimeout(ctx, r.st.ShipAt.Sub(now), interrupted); err != nil {
				return err
			}
			continue
		}
		if r.safety {
			// The window must leave time for a deploy, not just be open.
			if err := r.fits(ctx, stage, env); err != nil {
				return err
			}
			if r.st.Exception != nil {
				continue
			}
			r.detail(ctx, stage, "window open")
			return nil
		}
		if cal == nil || cal.IsOpen(now) {
			r.detail(ctx, stage, "window open")
			return nil
		}
		next := cal.NextOpen(now)
		if next.IsZero() {
			return temporal.NewNonRetryableApplicationError("the "+env+" deploy window never opens; check environments."+env+".window", ErrInvalid, nil)
		}
		r.st.WindowOpensAt = next
		r.wait(ctx, stage, Waiting, fmt.Sprintf("window shut (%s); opens %s", cal.Why(now), next.In(cal.Location()).Format("Mon 2006-01-02 15:04 MST")))
		if _, err := workflow.AwaitWithTimeout(ctx, next.Sub(now), interrupted); err != nil {
			return err
		}
	}
}

// shipAt is the release's ETA, or the ship delay after its last signoff.
func (r *release) shipAt(ctx workflow.Context) (at time.Time) {
	if !r.in.ETA.IsZero() {
		return r.in.ETA
	}
	if len(r.st.Signoffs) == 0 {
		return workflow.Now(ctx)
	}
	for _, s := range r.st.Signoffs {
		if s.At.After(at) {
			at = s.At
		}
	}
	return at.Add(r.in.Pipeline.Release.ShipDelay)
}

// calendar builds the deploy-window calendar; no window means always open.
func calendar(s *window.Spec) (*window.Calendar, error) {
	if s == nil {
		return nil, nil
	}
	return window.New(*s)
}
