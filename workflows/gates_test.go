package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

func TestGates_refuse_with_a_reason(t *testing.T) {
	// Each refusal is sent while the release waits at the named gate; the
	// release must still finish normally afterwards, so nothing refused
	// changed its state.
	type refusal struct {
		name    string
		message string
		req     any
		want    string
	}
	atQA := []refusal{
		{"prod_gate_not_open_yet", contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green}, "prod signoff gate of shop v1.101.0 is not open"},
		{"unknown_environment", contract.Signoff, SignoffRequest{Env: "qa-lab", Person: "quinn", Verdict: Green}, `environment "qa-lab" has no signoff gate`},
		{"unknown_role", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Role: "sre", Verdict: Green}, `role "sre" is not required on stage`},
		{"person_not_listed_for_role", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "mallory", Role: "qa", Verdict: Green}, "mallory is not a listed qa approver"},
		{"person_not_listed_at_all", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "mallory", Verdict: Green}, "mallory is not a listed approver for any role required on stage"},
		{"triggerer_cannot_sign", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "alice", Verdict: Green}, "alice triggered this release and cannot sign it off"},
		{"no_person", contract.Signoff, SignoffRequest{Env: config.Stage, Verdict: Green}, "who is signing off"},
		{"no_verdict", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn"}, "needs a verdict"},
		{"bad_verdict", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: "blue"}, `verdict "blue" is not green, yellow or red`},
		{"yellow_without_reason", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Yellow}, "a yellow verdict needs a reason"},
		{"decision_when_not_held", contract.Decide, DecisionRequest{Person: "alice", Decision: DecideAbort}, "is not held"},
		{"exception_bad_reason", contract.OverrideWindow, OverrideRequest{Person: "sam", Reason: "friday-feeling", Justification: "x"}, `exception reason "friday-feeling" is not one of`},
		{"exception_without_justification", contract.OverrideWindow, OverrideRequest{Person: "sam", Reason: ProdDown}, "needs a written justification"},
		{"exception_from_non_sre", contract.OverrideWindow, OverrideRequest{Person: "quinn", Reason: ProdDown, Justification: "down"}, "quinn may not override-window shop: permissions.override-window allows sre"},
		{"exception_from_triggerer", contract.OverrideWindow, OverrideRequest{Person: "alice", Reason: ProdDown, Justification: "down"}, "alice triggered this release and cannot approve its exception"},
		{"abort_without_reason", contract.Abort, AbortRequest{Person: "alice"}, "an abort needs a reason"},
		{"abort_without_person", contract.Abort, AbortRequest{Reason: "wrong commit"}, "who is aborting"},
	}
	atQuorum := []refusal{
		{"same_person_twice", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green}, "quinn already signed off this release"},
	}
	atProd := []refusal{
		{"qa_signer_cannot_approve_prod_too", contract.Signoff, SignoffRequest{Env: config.Prod, Person: "quentin", Role: "sre", Verdict: Green}, "quentin already signed off this release"},
		{"stage_gate_closed", contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green}, "stage signoff gate of shop v1.101.0 is not open"},
	}
	h := newHarness(t, thursday2pm)
	in := input(t, func(p *config.Pipeline) {
		e := p.Environments[config.Stage]
		e.Signoffs = []config.Signoff{{Role: "qa", Count: 2}}
		p.Environments[config.Stage] = e
		p.Approvers["qa"] = []string{"quinn", "quentin", "alice"}
		p.Approvers["sre"] = []string{"sam", "sasha", "quentin"}
	})
	send := func(rs []refusal) {
		for _, r := range rs {
			h.expect(r.message, r.req, r.want)
		}
	}
	h.at(time.Minute, func() { send(atQA) })
	h.at(2*time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green})
	})
	h.at(3*time.Minute, func() { send(atQuorum) })
	h.at(4*time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quentin", Verdict: Green})
	})
	h.at(5*time.Minute, func() { send(atProd) })
	h.at(6*time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, in)
	st, err := h.result()
	if err != nil {
		t.Fatalf("release failed after refusals: %v", err)
	}
	if len(st.Signoffs) != 3 {
		t.Errorf("signoffs = %+v, want quinn, quentin, sam", st.Signoffs)
	}
}

func TestGates_refused_signal_is_recorded_not_applied(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.at(time.Minute, func() {
		h.env.SignalWorkflow(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "mallory", Verdict: Green})
	})
	h.at(2*time.Minute, func() {
		st := h.status()
		if len(st.Signoffs) != 0 {
			t.Errorf("a refused signal was applied: %+v", st.Signoffs)
		}
		if len(st.Refusals) != 1 || !strings.Contains(st.Refusals[0].Reason, "mallory is not a listed approver") {
			t.Errorf("refusals = %+v", st.Refusals)
		}
		// The same gate through a valid signal works.
		h.env.SignalWorkflow(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green, Via: "ui"})
	})
	h.at(3*time.Minute, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	if st.Signoffs[0].Via != "ui" {
		t.Errorf("signal signoff not recorded: %+v", st.Signoffs)
	}
}

func TestGates_no_signoffs_configured_skips_the_gate(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, func(p *config.Pipeline) {
		for _, env := range []string{config.Stage, config.Prod} {
			e := p.Environments[env]
			e.Signoffs = nil
			p.Environments[env] = e
		}
	}))
	st, err := h.result()
	if err != nil {
		t.Fatal(err)
	}
	if s := st.stage(StageQASignoff); s.State != Skipped {
		t.Errorf("qa-signoff = %s, want skipped", s.State)
	}
	if got := h.firstProdDeploy(); !got.Equal(thursday2pm) {
		t.Errorf("prod deploy at %s, want at once (no signoff, window open)", got.In(ny))
	}
}

// Once a gate closes, however it was answered, its Slack message loses
// its button and says how it closed.
func TestGates_Slack_button_goes_when_the_gate_closes(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.at(time.Hour, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green, Via: "cli"})
	})
	h.at(2*time.Hour, func() {
		h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withSlack))
	if _, err := h.result(); err != nil {
		t.Fatal(err)
	}
	gates := 0
	var replaced []string
	for _, c := range h.called(contract.NotifyName) {
		r := c.req.(contract.NotifyRequest)
		switch {
		case len(r.Buttons) > 0:
			gates++
		case r.Replace != "":
			if r.Channel != "C0REL" || r.Replace == "" || len(r.Buttons) != 0 {
				t.Errorf("replacement %+v, want the gate message's channel ID and ts, without buttons", r)
			}
			replaced = append(replaced, r.Stage+": "+r.Text)
		}
	}
	want := "qa-signoff: shop v1.101.0 on stage: signed off by qa: quinn via cli\n" +
		"sre-approval: shop v1.101.0 on prod: signed off by sre: sam"
	if gates != 2 || strings.Join(replaced, "\n") != want {
		t.Errorf("%d gate messages, replaced with:\n%s\nwant:\n%s", gates, strings.Join(replaced, "\n"), want)
	}
}

// withSlack posts the release's messages to a Slack channel.
func withSlack(p *config.Pipeline) {
	p.Notifications.Slack = &config.Slack{Channel: "#releases", TokenEnv: "SLACK_BOT_TOKEN"}
}

func TestHold(t *testing.T) {
	yellow := SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Yellow, Reason: "search is slow"}
	t.Run("yellow_verdict_holds_until_the_manager_decides_to_abort", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.at(time.Minute, func() { h.mustUpdate(contract.Signoff, yellow) })
		h.at(time.Hour, func() {
			st := h.status()
			if st.State != Held || st.stage(StageQASignoff).State != Held {
				t.Errorf("state %s, qa-signoff %s: want held", st.State, st.stage(StageQASignoff).State)
			}
			h.expect(contract.Decide, DecisionRequest{Person: "quinn", Decision: DecideAbort}, "quinn may not decide shop: permissions.decide allows trigger (alice), managers (alice, maria)")
			h.expect(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quentin", Verdict: Green}, "stage signoff gate of shop v1.101.0 is not open")
			h.mustUpdate(contract.Decide, DecisionRequest{Person: "alice", Decision: DecideAbort, Reason: "not shipping a slow search"})
		})
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withSlack))
		st, err := h.result()
		if err == nil || !strings.Contains(err.Error(), "aborted by alice") {
			t.Fatalf("error = %v, want aborted by alice", err)
		}
		if st.State != Aborted || !strings.Contains(st.Abort.Reason, "yellow verdict from quinn: search is slow") {
			t.Errorf("state %s, abort %+v", st.State, st.Abort)
		}
		// The thread says the release is held, who decides and how, and how it ended.
		var texts []string
		for _, c := range h.called(contract.NotifyName) {
			texts = append(texts, c.req.(contract.NotifyRequest).Text)
		}
		all := strings.Join(texts, "\n")
		for _, want := range []string{
			"shop v1.101.0 on stage: held: yellow verdict from quinn",
			"shop v1.101.0 is held: yellow verdict from quinn: search is slow. The release manager, alice, decides: `signalman decide v1.101.0 abort|wait`",
			"shop v1.101.0 aborted by alice: ",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("Slack posts:\n%s\nwant one with %q", all, want)
			}
		}
		if len(h.prodDeploys()) != 0 {
			t.Error("a held release reached prod")
		}
	})
	t.Run("red_verdict_and_wait_keeps_it_held_until_aborted", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.at(time.Minute, func() {
			h.mustUpdate(contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Red, Reason: "checkout 500s"})
		})
		h.at(2*time.Minute, func() {
			h.mustUpdate(contract.Decide, DecisionRequest{Person: "maria", Decision: DecideWait, Reason: "v1.101.1 has the fix"})
		})
		h.at(72*time.Hour, func() {
			st := h.status()
			if st.State != Held || !strings.Contains(st.stage(StageQASignoff).Detail, "maria chose to wait") {
				t.Errorf("after three days: state %s, detail %q", st.State, st.stage(StageQASignoff).Detail)
			}
			h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "superseded by v1.101.1"})
		})
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v: want aborted", st.State, err)
		}
	})
}

func TestAbort(t *testing.T) {
	t.Run("during_tests_cancels_them_and_builds_nothing", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.RunTestsName] = true
		h.at(time.Second, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "wrong commit tagged"}) })
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v", st.State, err)
		}
		if n := len(h.called(contract.BuildName)); n != 0 {
			t.Errorf("built %d images after the abort", n)
		}
		for _, s := range st.Stages[2:] {
			if s.State != Skipped {
				t.Errorf("stage %s = %s after abort, want skipped", s.Name, s.State)
			}
		}
	})
	t.Run("while_waiting_for_the_window_deploys_nothing_to_prod", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.approveAll(time.Hour, 2*time.Hour+time.Minute)
		h.at(5*time.Hour, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "sam", Reason: "incident on the database"}) })
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v", st.State, err)
		}
		if len(h.prodDeploys()) != 0 {
			t.Error("deployed to prod after the abort")
		}
		if h.env.Now().Sub(thursday2pm) > 6*time.Hour {
			t.Errorf("release ended at %s; the abort should end the wait at once", h.env.Now())
		}
	})
	t.Run("during_a_tag_that_never_finishes_ends_the_release", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.TagName] = true
		h.at(time.Second, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "the repository is wrong"}) })
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v: want aborted", st.State, err)
		}
		if s := st.Stages[0]; s.Name != StageTag || s.State != Aborted {
			t.Errorf("stage %s = %s, want tag aborted", s.Name, s.State)
		}
		if n := len(h.called(contract.RunTestsName)); n != 0 {
			t.Errorf("ran tests %d time(s) after the abort", n)
		}
	})
	t.Run("once_in_production_is_refused_with_rollback_named", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.PromoteName] = true
		h.approveAll(time.Minute, 2*time.Minute)
		// Every second of the test clock, until the release is at promote:
		// the clock stops skipping ahead once promote blocks, so a longer
		// interval would wait that long in real time.
		refused := false
		var poll func()
		poll = func() {
			if h.status().Stage != StagePromote {
				h.at(time.Second, poll)
				return
			}
			h.expect(contract.Abort, AbortRequest{Person: "alice", Reason: "too late"}, "already in production")
			refused = true
			h.env.CancelWorkflow()
		}
		h.at(time.Second, poll)
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		if !refused {
			t.Fatal("the release never reached promote")
		}
	})
	t.Run("after_the_end_is_refused", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.RunTestsName] = true
		h.at(time.Second, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "first"}) })
		h.at(2*time.Second, func() {
			h.expect(contract.Abort, AbortRequest{Person: "bob", Reason: "second"}, "alice already aborted this release")
		})
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		if st, _ := h.result(); st.Abort == nil || st.Abort.Person != "alice" {
			t.Errorf("abort = %+v, want alice's", st.Abort)
		}
	})
}

func TestFailures(t *testing.T) {
	t.Run("failed_tests_stop_the_release_before_build", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.fail[contract.RunTestsName] = "exit 2; last lines: FAIL TestCheckout"
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || !strings.Contains(err.Error(), "failed at test") {
			t.Fatalf("error = %v", err)
		}
		if st.State != Failed || !strings.Contains(st.Error, "FAIL TestCheckout") {
			t.Errorf("state %s, error %q", st.State, st.Error)
		}
		if len(h.called(contract.BuildName)) != 0 {
			t.Error("built after failed tests")
		}
	})
	t.Run("unverified_image_stops_the_services_after_it_when_stage_says_stop", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.fail[contract.VerifyName] = "no valid signature for the configured key"
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, func(p *config.Pipeline) {
			e := p.Environments[config.Stage]
			e.OnFailure = config.StopRelease
			p.Environments[config.Stage] = e
		}))
		st, err := h.result()
		if err == nil || !strings.Contains(st.Error, "deploy auth-server to stage failed, 1 service(s) after it not deployed") {
			t.Fatalf("error %v, status error %q", err, st.Error)
		}
		if n := len(h.called(contract.DeployName)); n != 0 {
			t.Errorf("%d deploys after a failed verification", n)
		}
	})
	t.Run("invalid_version_is_refused_at_start", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		in := input(t, nil)
		in.Version = "1.101"
		h.env.ExecuteWorkflow(ReleaseWorkflow, in)
		if _, err := h.result(); err == nil || !strings.Contains(err.Error(), `"1.101"`) {
			t.Fatalf("error = %v", err)
		}
		if len(h.called(contract.TagName)) != 0 {
			t.Error("tagged an invalid version")
		}
	})
}

func TestAbort_mid_stage_leaves_nothing_half_done(t *testing.T) {
	t.Run("during_build_cancels_it_and_signs_nothing", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.BuildName] = true
		h.at(time.Second, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "build is stuck"}) })
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v", st.State, err)
		}
		if s := st.stage(StageBuild); s.State != Aborted {
			t.Errorf("build stage = %s, want aborted", s.State)
		}
		if n := len(h.called(contract.SignName)); n != 0 {
			t.Errorf("signed %d images after the abort", n)
		}
	})
	t.Run("during_a_deploy_rolls_the_service_back", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.block[contract.DeployName] = true
		h.at(time.Second, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "wrong config"}) })
		h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
		st, err := h.result()
		if err == nil || st.State != Aborted {
			t.Fatalf("state %s, error %v", st.State, err)
		}
		rb := h.called(contract.RollbackName)
		if len(rb) != 1 || rb[0].req.(contract.RollbackRequest).Service != "auth-server" {
			t.Errorf("rollbacks = %+v, want auth-server rolled back", rb)
		}
		if n := len(h.called(contract.DeployName)); n != 1 {
			t.Errorf("%d deploys started, want only the interrupted one", n)
		}
	})
}
