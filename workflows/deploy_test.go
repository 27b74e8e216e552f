package workflows

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/window"
)

// withCanary gives prod a two-step canary and no gates, so a release goes
// straight to the canary.
func withCanary(p *config.Pipeline) {
	for _, env := range []string{config.Stage, config.Prod} {
		e := p.Environments[env]
		e.Signoffs = nil
		e.Window = &window.Spec{Always: true}
		p.Environments[env] = e
	}
	prod := p.Environments[config.Prod]
	prod.Canary = &config.Canary{
		Steps:           []config.CanaryStep{{Weight: 10, Pause: 5 * time.Minute}, {Weight: 50, Pause: 10 * time.Minute}},
		DecisionTimeout: 30 * time.Minute,
	}
	p.Environments[config.Prod] = prod
}

func TestCanary_first_version_of_a_service_skips_the_steps(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.noBaseline = true
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withCanary))
	if _, err := h.result(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.called(contract.AnalyzeName)); n != 0 {
		t.Errorf("%d canary analyses with no baseline to compare with", n)
	}
	if got := h.env.Now().Sub(thursday2pm); got >= 5*time.Minute {
		t.Errorf("the release took %s of pauses with nothing to judge", got)
	}
}

func TestCanary(t *testing.T) {
	cases := []struct {
		name     string
		verdicts []string
		decide   *CanaryDecisionRequest
		fail     string // activity to fail
		wantErr  string
		rollback bool
		weights  string
		windows  string // of the analyses, when set
	}{
		{name: "pass_ramps_through_every_step_then_full", verdicts: []string{"pass", "pass", "pass", "pass"}, weights: "100,100,10,50,100,10,50,100"},
		{name: "fail_rolls_back_automatically", verdicts: []string{"pass", "fail"}, wantErr: "canary failed at 50%", rollback: true, weights: "100,100,10,50"},
		{name: "marginal_continues_when_a_person_says_so", verdicts: []string{"marginal", "pass", "pass", "pass"},
			decide: &CanaryDecisionRequest{Person: "sam", Continue: true}, weights: "100,100,10,50,100,10,50,100"},
		{name: "marginal_rolls_back_when_a_person_says_so", verdicts: []string{"marginal"},
			decide: &CanaryDecisionRequest{Person: "sam", Continue: false, Reason: "latency creeping"}, wantErr: "sam chose to roll back", rollback: true, weights: "100,100,10"},
		{name: "marginal_without_decision_rolls_back_at_the_timeout", verdicts: []string{"marginal"}, wantErr: "nobody decided within 30m", rollback: true, weights: "100,100,10"},
		{name: "no_data_is_watched_longer_then_judged_over_the_whole_time", verdicts: []string{"nodata", "nodata", "pass", "pass", "pass", "pass"},
			weights: "100,100,10,50,100,10,50,100", windows: "0s,10m0s,15m0s,0s,0s,0s"},
		{name: "no_data_throughout_asks_a_person_and_rolls_back_at_the_timeout", verdicts: []string{"nodata", "nodata", "nodata", "nodata"},
			wantErr: "nobody decided within 30m", rollback: true, weights: "100,100,10", windows: "0s,10m0s,15m0s,20m0s"},
		{name: "failed_smoke_test_through_the_test_route_rolls_back_before_any_traffic_and_the_others_still_deploy", verdicts: []string{"pass", "pass"}, fail: contract.SmokeName, wantErr: "2 of 2 service(s) failed on stage (the others were deployed all the same)", rollback: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			h.verdicts = tc.verdicts
			if tc.fail != "" {
				h.fail[tc.fail] = "GET /healthz: 503"
			}
			if tc.decide != nil {
				h.at(6*time.Minute, func() {
					id := DeployID("shop", "v1.101.0", config.Prod, "auth-server")
					err := h.env.UpdateWorkflowByID(id, contract.CanaryDecision, "", &testsuite.TestUpdateCallback{
						OnReject: func(err error) { t.Errorf("canary decision refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
					}, *tc.decide)
					if err != nil {
						t.Error(err)
					}
				})
			}
			h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withCanary))
			st, err := h.result()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("release failed: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(st.Error, tc.wantErr)) {
				t.Fatalf("error %v, status error %q: want %q", err, st.Error, tc.wantErr)
			}
			if got := len(h.called(contract.RollbackName)) > 0; got != tc.rollback {
				t.Errorf("rolled back = %v, want %v", got, tc.rollback)
			}
			var weights []string
			for _, c := range h.called(contract.TrafficName) {
				weights = append(weights, strconv.Itoa(c.req.(contract.TrafficRequest).Weight))
			}
			if got := strings.Join(weights, ","); got != tc.weights {
				t.Errorf("traffic weights = %s, want %s", got, tc.weights)
			}
			if tc.windows != "" {
				var windows []string
				for _, c := range h.called(contract.AnalyzeName) {
					windows = append(windows, c.req.(contract.AnalyzeRequest).Window.String())
				}
				if got := strings.Join(windows, ","); got != tc.windows {
					t.Errorf("analysis windows = %s, want %s", got, tc.windows)
				}
			}
			if tc.rollback && len(h.called(contract.PromoteName)) != 0 {
				t.Error("promoted a release that rolled back")
			}
		})
	}
}

// A canary waiting for a person asks in the release's Slack thread, with a
// button for each answer that names the release, service and decision.
func TestCanary_marginal_asks_in_Slack(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.verdicts = []string{"marginal"}
	var details string
	h.at(6*time.Minute, func() {
		// What the Temporal UI shows of the deploy meanwhile.
		id := DeployID("shop", "v1.101.0", config.Prod, "auth-server")
		if v, err := h.env.QueryWorkflowByID(id, "__temporal_workflow_metadata"); err != nil {
			t.Errorf("deploy metadata: %v", err)
		} else {
			var md sdkpb.WorkflowMetadata
			if err := v.Get(&md); err != nil {
				t.Errorf("deploy metadata: %v", err)
			}
			details = md.GetCurrentDetails()
		}
		err := h.env.UpdateWorkflowByID(id, contract.CanaryDecision, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("canary decision refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, CanaryDecisionRequest{Person: "sam", Continue: false, Reason: "errors creeping"})
		if err != nil {
			t.Error(err)
		}
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, func(p *config.Pipeline) {
		withCanary(p)
		withSlack(p)
	}))
	st, _ := h.result()
	if !strings.Contains(st.Error, "sam chose to roll back") {
		t.Fatalf("release error %q, want sam's rollback", st.Error)
	}
	var asked []contract.NotifyRequest
	var outcome, answered string
	for _, c := range h.called(contract.NotifyName) {
		switch r := c.req.(contract.NotifyRequest); {
		case r.Stage == "canary" && len(r.Buttons) > 0:
			asked = append(asked, r)
		case strings.Contains(r.Text, "failed at canary"):
			outcome = r.Text
		case r.Replace != "":
			answered = r.Text
		}
	}
	if want := "shop v1.101.0: the canary of auth-server on prod at 10%: rolls back: canary marginal at 10% (score 80); sam chose to roll back: errors creeping"; answered != want {
		t.Errorf("the question was replaced with %q, want %q", answered, want)
	}
	if !strings.Contains(outcome, "shop v1.101.0 failed at canary: ") || !strings.Contains(outcome, "sam chose to roll back: errors creeping") {
		t.Errorf("the release's end posted as %q, want its failure and why", outcome)
	}
	if len(asked) != 1 {
		t.Fatalf("%d canary questions posted, want 1", len(asked))
	}
	q := asked[0]
	if !strings.Contains(q.Text, "canary of auth-server on prod at 10% is marginal (score 80)") || q.Channel != "#releases" {
		t.Errorf("question %q in %s", q.Text, q.Channel)
	}
	var answers []string
	for _, b := range q.Buttons {
		var g GateButton
		if err := json.Unmarshal([]byte(b.Value), &g); err != nil {
			t.Fatal(err)
		}
		if b.Action != contract.CanaryDecision || g.Product != "shop" || g.Version != "v1.101.0" || g.Env != config.Prod || g.Service != "auth-server" {
			t.Errorf("button %+v carries %+v", b, g)
		}
		answers = append(answers, g.Canary)
	}
	if got := strings.Join(answers, ","); got != "continue,rollback" {
		t.Errorf("buttons answer %s, want continue,rollback", got)
	}
	if want := "**auth-server v1.101.0** to prod: canary 10% marginal (score 80): waiting up to 30m0s for a decision"; details != want {
		t.Errorf("deploy's current details %q, want %q", details, want)
	}
}
