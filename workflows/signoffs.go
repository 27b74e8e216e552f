package workflows

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
)

// signoffs opens env's signoff gate and waits until every required role has
// its green signoffs. A yellow or red verdict holds the release for the
// release manager, who aborts it or waits for a dot release.
func (r *release) signoffs(ctx workflow.Context, env string) error {
	stage := r.st.Stage
	g := r.gate(env)
	if len(g.required) == 0 {
		r.skip(ctx, stage, "no signoffs required on "+env)
		return nil
	}
	// The people signing see what will change. Releases recorded before
	// change previews replay without them.
	var pv *contract.Preview
	if workflow.GetVersion(ctx, "change-preview", workflow.DefaultVersion, 1) == 1 {
		pv = r.preview(ctx, env)
	}
	r.gateOn = env
	defer func() { r.gateOn = "" }()
	waiting := "waiting for " + g.roleNames()
	if r.in.OpsNote != "" {
		waiting += "; note for operators: " + r.in.OpsNote
	}
	if pv != nil {
		waiting += "; on " + env + ": " + pv.Summary()
	}
	r.wait(ctx, stage, Waiting, waiting)
	var msg contract.NotifyResult
	if workflow.GetVersion(ctx, "slack-gates", workflow.DefaultVersion, 1) == 1 {
		value, _ := json.Marshal(GateButton{Product: r.st.Product, Version: r.st.Version, Env: env, Verdict: Green})
		label := "Sign off"
		if !r.in.Pipeline.SignoffsAfterDeploy(env) {
			label = "Approve"
		}
		text := fmt.Sprintf("%s %s waits for %s on %s (release manager: %s)", r.st.Product, r.st.Version, g.roleNames(), env, r.in.Manager)
		if r.in.OpsNote != "" {
			text += "\n*Note for operators:* " + r.in.OpsNote
		}
		if pv != nil {
			text += "\n```\n" + pv.Text() + "```"
		}
		msg, _ = r.post(ctx, stage, text,
			[]contract.NotifyButton{{Action: contract.Signoff, Label: label, Value: string(value), Style: "primary"}})
	}
	err := workflow.Await(ctx, func() bool {
		return r.held != nil || g.complete(r.st.Signoffs) || r.st.Abort != nil
	})
	if err != nil {
		return err
	}
	// The gate has closed: its button goes, whoever answered and however.
	closed := func(how string) {
		if workflow.GetVersion(ctx, "slack-gate-close", workflow.DefaultVersion, 1) == 1 {
			r.replace(ctx, stage, msg, fmt.Sprintf("%s %s on %s: %s", r.st.Product, r.st.Version, env, how))
		}
	}
	if r.st.Abort != nil {
		closed(fmt.Sprintf("aborted by %s while waiting for %s", r.st.Abort.Person, g.roleNames()))
		return errAborted
	}
	if r.held != nil {
		closed(fmt.Sprintf("held: %s verdict from %s", r.held.Verdict, r.held.Person))
		return r.hold(ctx, stage)
	}
	var who, via []string
	for _, s := range r.st.Signoffs {
		if s.Env == env {
			who = append(who, s.Role+": "+s.Person)
			v := s.Role + ": " + s.Person
			if s.Via != "" {
				v += " via " + s.Via
			}
			via = append(via, v)
		}
	}
	r.detail(ctx, stage, "signed off by "+strings.Join(who, ", "))
	closed("signed off by " + strings.Join(via, ", "))
	return nil
}

// hold keeps a release with a yellow or red verdict until its manager
// decides: abort ends it; wait keeps it held until a dot release replaces it
// or someone aborts it.
func (r *release) hold(ctx workflow.Context, stage string) error {
	h := r.held
	r.gateOn = ""
	r.st.State = Held
	r.wait(ctx, stage, Held, fmt.Sprintf("%s verdict from %s: %s; the release manager (%s) decides: abort or wait for a dot release",
		h.Verdict, h.Person, h.Reason, r.in.Manager))
	if workflow.GetVersion(ctx, "slack-outcomes", workflow.DefaultVersion, 1) == 1 {
		_, _ = r.post(ctx, stage, fmt.Sprintf("%s %s is held: %s verdict from %s: %s. The release manager, %s, decides: `signalman decide %s abort|wait`",
			r.st.Product, r.st.Version, h.Verdict, h.Person, h.Reason, r.in.Manager, r.st.Version), nil)
	}
	if err := workflow.Await(ctx, func() bool { return r.st.Decision != nil || r.st.Abort != nil || r.superseded != nil }); err != nil {
		return err
	}
	if r.st.Abort == nil && r.superseded == nil {
		d := r.st.Decision
		r.detail(ctx, stage, fmt.Sprintf("%s verdict from %s: %s; %s chose to wait for a dot release", h.Verdict, h.Person, h.Reason, d.Person))
		if err := workflow.Await(ctx, func() bool { return r.st.Abort != nil || r.superseded != nil }); err != nil {
			return err
		}
	}
	if r.st.Abort == nil {
		// The dot release this release was held for is on its way: it
		// replaces this one.
		r.abort(ctx, AbortRequest{Person: r.superseded.By, Reason: fmt.Sprintf("superseded by a dot release of train %d (%s); held on a %s verdict from %s: %s",
			r.st.Train, r.superseded.Reason, h.Verdict, h.Person, h.Reason)}, nil)
	}
	return errAborted
}
