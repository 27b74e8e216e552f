package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"
)

// renewSignoffs drops the signoffs older than their role's valid_for at
// this moment (the release is about to ship) and asks the people of those
// gates again, gate by gate in the release's order. It reports whether any
// was asked again: the ship time and the window are then looked at anew.
// A signoff from Thursday 16:01 still counts on Monday 08:00 (88h, within
// the default 96h); a release held for a week asks again.
func (r *release) renewSignoffs(ctx workflow.Context) (bool, error) {
	now := workflow.Now(ctx)
	var keep []SignoffRecord
	var envs, gone []string
	for _, s := range r.st.Signoffs {
		valid := r.validFor(s)
		if s.Verdict != Green || valid <= 0 || now.Sub(s.At) <= valid {
			keep = append(keep, s)
			continue
		}
		r.st.Expired = append(r.st.Expired, s)
		gone = append(gone, fmt.Sprintf("%s %s on %s (%s old, valid for %s)", s.Role, s.Person, s.Env, now.Sub(s.At).Round(time.Minute), valid))
		if !slices.Contains(envs, s.Env) {
			envs = append(envs, s.Env)
		}
	}
	if len(envs) == 0 {
		return false, nil
	}
	r.st.Signoffs = keep
	r.log.Info("signoffs expired", "signoffs", strings.Join(gone, "; "))
	stage := r.st.Stage
	r.detail(ctx, stage, "expired before shipping, asked again: "+strings.Join(gone, "; "))
	for _, env := range r.in.Pipeline.EnvNames() {
		if !slices.Contains(envs, env) {
			continue
		}
		if err := r.signoffs(ctx, env); err != nil {
			return true, err
		}
		r.wait(ctx, stage, Waiting, "signed off again on "+env)
	}
	return true, nil
}

// validFor is how long a signoff of its role on its environment counts;
// 0 (pipelines recorded before valid_for) counts forever.
func (r *release) validFor(s SignoffRecord) time.Duration {
	for _, req := range r.in.Pipeline.Environments[s.Env].Signoffs {
		if req.Role == s.Role {
			return req.ValidFor
		}
	}
	return 0
}
