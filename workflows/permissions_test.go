package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/window"
)

// TestPermissions_rollback checks who may roll production back: the
// on-call of the week (a rotation handing off on Mondays) and the SRE
// approvers, not a developer, nor last week's on-call.
func TestPermissions_rollback(t *testing.T) {
	rotation := &window.Rotation{People: []string{"omar", "dave"}, Handoff: "mon", At: "09:00", TimeZone: "America/New_York"}
	onCall := rotation.OnCall(thursday2pm)[0]
	offCall := map[string]string{"omar": "dave", "dave": "omar"}[onCall]
	for _, tc := range []struct{ by, want string }{
		{onCall, ""},
		{"sam", ""},
		{offCall, offCall + " may not rollback shop: permissions.rollback allows sre (sam, sasha), oncall (" + onCall + ")"},
		{"quinn", "quinn may not rollback shop"},
	} {
		t.Run(tc.by, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			p := input(t, func(p *config.Pipeline) { p.Oncall = rotation }).Pipeline
			h.env.ExecuteWorkflow(RollbackWorkflow, RollbackInput{Pipeline: p, Env: config.Prod, By: tc.by, Reason: "checkout errors"})
			err := h.env.GetWorkflowError()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("rollback by %s: %v, want it done", tc.by, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("rollback by %s: %v, want refused with %q", tc.by, err, tc.want)
			case tc.want != "" && len(h.called(contract.DeployName)) > 0:
				t.Errorf("a refused rollback deployed %d service(s)", len(h.called(contract.DeployName)))
			}
		})
	}
}

// TestPermissions_abort: the trigger, the managers and SRE may abort; a
// developer may not, unless the pipeline's permissions say so.
func TestPermissions_abort(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.at(30*time.Minute, func() {
		h.expect(contract.Abort, AbortRequest{Person: "quinn", Reason: "looks wrong"}, "quinn may not abort shop: permissions.abort allows trigger (alice), managers (alice, maria), sre (sam, sasha)")
		h.expect(contract.Abort, AbortRequest{Person: "sasha", Reason: "INC-7 in progress"}, "")
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	if _, err := h.result(); err == nil || !strings.Contains(err.Error(), "sasha") {
		t.Fatalf("release: %v; want aborted by sasha", err)
	}

	h = newHarness(t, thursday2pm)
	h.at(30*time.Minute, func() {
		h.expect(contract.Abort, AbortRequest{Person: "quinn", Reason: "QA may stop it here"}, "")
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, func(p *config.Pipeline) { p.Permissions[config.ActAbort] = []string{"qa"} }))
	if _, err := h.result(); err == nil || !strings.Contains(err.Error(), "quinn") {
		t.Fatalf("release: %v, want aborted by quinn as permissions.abort allows qa", err)
	}
}
