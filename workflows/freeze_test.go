package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// monday9am is inside the default deploy window.
var monday9am = time.Date(2026, 11, 23, 9, 0, 0, 0, ny)

var testFreeze = contract.Freeze{Frozen: true, By: "sam", Reason: "payments migration", Since: monday9am.Add(-time.Hour)}

// lift ends the harness's freeze as the freeze workflow would: it stops
// answering frozen and signals the waiting release.
func (h *harness) lift(by string) {
	h.mu.Lock()
	lifted := h.freeze
	h.freeze = contract.Freeze{}
	h.mu.Unlock()
	lifted.Frozen, lifted.LiftedBy, lifted.LiftedAt = false, by, h.env.Now()
	h.env.SignalWorkflow(contract.FreezeLifted, lifted)
}

func TestFreeze_holds_the_production_deploy_until_lifted(t *testing.T) {
	h := newHarness(t, monday9am)
	h.freeze = testFreeze
	h.approveAll(time.Hour, 2*time.Hour)
	var waiting Status
	h.at(2*time.Hour+30*time.Minute, func() { waiting = h.status() })
	h.at(3*time.Hour, func() { h.lift("sasha") })
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if waiting.Stage != StageWindow || waiting.Freeze == nil || waiting.Freeze.Reason != "payments migration" {
		t.Errorf("while frozen the status shows stage %s, freeze %+v; want the window stage and the freeze", waiting.Stage, waiting.Freeze)
	}
	if w := waiting.stage(StageWindow); w == nil || !strings.Contains(w.Detail, "frozen by sam") {
		t.Errorf("window stage detail while frozen = %+v, want it to name the freeze", w)
	}
	if got, want := h.firstProdDeploy(), monday9am.Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("first prod deploy at %s, want when the freeze was lifted, %s", got.In(ny).Format(time.RFC3339), want.In(ny).Format(time.RFC3339))
	}
	if st.Freeze == nil || st.Freeze.LiftedBy != "sasha" {
		t.Errorf("final status freeze = %+v, want it recorded as lifted by sasha", st.Freeze)
	}
	checks := h.called(contract.FreezeCheckName)
	if len(checks) != 2 {
		t.Fatalf("freeze checked %d times, want 2 (before waiting and after the lift)", len(checks))
	}
	if w := checks[0].req.(contract.FreezeCheckRequest).Watcher; w != "default-test-workflow-id" {
		t.Errorf("the release registered as watcher %q, want its own workflow ID", w)
	}
}

func TestFreeze_an_approved_exception_deploys_through_it(t *testing.T) {
	h := newHarness(t, monday9am)
	h.freeze = testFreeze
	h.approveAll(time.Hour, 2*time.Hour)
	h.at(3*time.Hour, func() {
		h.mustUpdate(contract.OverrideWindow, OverrideRequest{Person: "sasha", Reason: CriticalBug, Justification: "checkout rounding loses orders, INC-7"})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if got, want := h.firstProdDeploy(), monday9am.Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("first prod deploy at %s, want at the exception, %s", got.In(ny).Format(time.RFC3339), want.In(ny).Format(time.RFC3339))
	}
	if st.Freeze == nil || !st.Freeze.Frozen || st.Exception == nil {
		t.Errorf("status freeze %+v exception %+v: want both recorded", st.Freeze, st.Exception)
	}
}

func TestFreeze_abort_while_frozen(t *testing.T) {
	h := newHarness(t, monday9am)
	h.freeze = testFreeze
	h.approveAll(time.Hour, 2*time.Hour)
	h.at(3*time.Hour, func() {
		h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "freeze will last all week"})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != ErrAborted {
		t.Fatalf("release ended with %v, want aborted", err)
	}
	if st.State != Aborted || len(h.prodDeploys()) != 0 {
		t.Errorf("state %s with %d prod deploys; want aborted with none", st.State, len(h.prodDeploys()))
	}
}

func TestFreeze_not_frozen_asks_once_and_goes_on(t *testing.T) {
	h := newHarness(t, monday9am)
	h.approveAll(time.Hour, 2*time.Hour)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed: %v", err)
	}
	if n := len(h.called(contract.FreezeCheckName)); n != 1 || st.Freeze != nil {
		t.Errorf("freeze checked %d times, status freeze %+v; want one check and no freeze", n, st.Freeze)
	}
}

// freezeEnv runs a FreezeWorkflow of the test pipeline in the SDK test
// environment; the workflow is cancelled at the end of the script.
func freezeEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *harness) {
	t.Helper()
	h := newHarness(t, monday9am)
	return h.env, h
}

func TestFreezeWorkflow(t *testing.T) {
	env, h := freezeEnv(t)
	var signalled []string
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.FreezeLifted, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			if fz, ok := arg.(contract.Freeze); !ok || fz.LiftedBy != "sasha" || fz.Reason != "payments migration" {
				t.Errorf("release %s told of lift %+v, want the lifted freeze", id, arg)
			}
			signalled = append(signalled, id)
			return nil
		})
	watch := func(id string, wantFrozen bool) {
		env.UpdateWorkflow(contract.FreezeWatch, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("watch refused: %v", err) },
			OnAccept: func() {},
			OnComplete: func(v any, err error) {
				fz, ok := v.(contract.Freeze)
				if err != nil || !ok || fz.Frozen != wantFrozen {
					t.Errorf("watch by %s answered %+v, %v; want frozen=%v", id, v, err, wantFrozen)
				}
			},
		}, id)
	}
	step := time.Minute
	script := []func(){
		func() { watch("release/shop/v1.100.0", false) },
		func() { h.expect(contract.UnfreezeProduct, FreezeRequest{By: "sam"}, "is not frozen") },
		func() { h.expect(contract.FreezeProduct, FreezeRequest{By: "sam"}, "needs a reason") },
		func() {
			h.expect(contract.FreezeProduct, FreezeRequest{By: "mallory", Reason: "x"}, "mallory may not freeze shop: permissions.freeze allows sre (sam, sasha), managers (maria)")
		},
		func() { h.expect(contract.FreezeProduct, FreezeRequest{Reason: "x"}, "give the person's name") },
		func() { h.mustUpdate(contract.FreezeProduct, FreezeRequest{By: "sam", Reason: "payments migration"}) },
		func() {
			h.expect(contract.FreezeProduct, FreezeRequest{By: "maria", Reason: "again"}, "already frozen by sam")
		},
		func() { watch("release/shop/v1.101.0", true) },
		func() { watch("release/shop/v1.102.0", true) },
		func() { watch("release/shop/v1.101.0", true) },
		func() {
			h.expect(contract.UnfreezeProduct, FreezeRequest{By: "mallory"}, "mallory may not unfreeze shop")
		},
		func() { h.mustUpdate(contract.UnfreezeProduct, FreezeRequest{By: "sasha"}) },
		func() { watch("release/shop/v1.103.0", false) },
		func() {
			v, err := env.QueryWorkflow(contract.QueryFreeze)
			if err != nil {
				t.Fatal(err)
			}
			var st FreezeStatus
			if err := v.Get(&st); err != nil {
				t.Fatal(err)
			}
			if st.Current.Frozen || len(st.Past) != 1 || st.Past[0].By != "sam" || st.Past[0].LiftedBy != "sasha" || len(st.Watchers) != 0 {
				t.Errorf("freeze status after the lift = %+v", st)
			}
		},
		func() { env.CancelWorkflow() },
	}
	for i, fn := range script {
		h.at(time.Duration(i+1)*step, fn)
	}
	p := input(t, func(p *config.Pipeline) {
		withSlack(p)
	}).Pipeline
	env.ExecuteWorkflow(FreezeWorkflow, FreezeInput{Pipeline: p})
	if !env.IsWorkflowCompleted() {
		t.Fatal("freeze workflow did not end when cancelled")
	}
	if h.pending != 0 {
		t.Errorf("%d update(s) never answered", h.pending)
	}
	want := []string{"release/shop/v1.101.0", "release/shop/v1.102.0"}
	if strings.Join(signalled, ",") != strings.Join(want, ",") {
		t.Errorf("lift signalled %v, want each waiting release once: %v", signalled, want)
	}
	posts := h.called(contract.NotifyName)
	if len(posts) != 2 || !strings.Contains(posts[0].req.(contract.NotifyRequest).Text, "frozen by sam: payments migration") ||
		!strings.Contains(posts[1].req.(contract.NotifyRequest).Text, "lifted by sasha") {
		t.Errorf("Slack posts %+v, want the freeze and the lift announced", posts)
	}
}
