package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// noGates lets releases run straight through.
func noGates(p *config.Pipeline) {
	for _, env := range []string{config.Stage, config.Prod} {
		e := p.Environments[env]
		e.Signoffs, e.Window = nil, nil
		p.Environments[env] = e
	}
}

func TestTrain(t *testing.T) {
	t.Run("cuts_releases_dot_releases_and_sends_the_hotfix_to_the_next_train", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		var sent []string
		h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(
			func(namespace, id, runID, name string, arg any) error {
				sent = append(sent, id+" "+strings.Join(arg.(DotRequest).Commits, ","))
				return nil
			})
		h.at(time.Hour, func() {
			h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"1234567abc"}, By: "devon", Reason: "checkout rounding"})
		})
		h.at(2*time.Hour, func() {
			h.expect(contract.Dot, DotRequest{Commits: []string{"not-a-sha"}, By: "devon"}, `"not-a-sha" is not a commit hash`)
			h.expect(contract.Dot, DotRequest{By: "devon"}, "needs at least one commit")
			h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"})
		})
		h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, noGates).Pipeline, Train: 100, TriggeredBy: "rita"})
		if !h.env.IsWorkflowCompleted() {
			t.Fatal("train did not end")
		}
		if err := h.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		var st TrainStatus
		h.env.GetWorkflowResult(&st)
		var got []string
		for _, r := range st.Releases {
			got = append(got, r.Version+" "+r.State)
		}
		if strings.Join(got, ", ") != "v1.100.0 succeeded, v1.100.1 succeeded" {
			t.Errorf("releases = %v", got)
		}
		tags := h.called(contract.TagName)
		if len(tags) != 2 || tags[0].req.(contract.TagRequest).Ref != "train-100" || tags[1].req.(contract.TagRequest).Ref != "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" {
			t.Errorf("tags = %+v; want v1.100.0 on the branch and v1.100.1 on the picked head", tags)
		}
		if len(sent) != 1 || sent[0] != "train/shop/101 1234567abc" {
			t.Errorf("hotfix sent to %v; want only the next newer train, 101", sent)
		}
	})
	t.Run("conflict_stops_the_request_and_releases_nothing", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.fail[contract.CherryPickName] = "dot release of train 100 stopped: 1234567 conflicts on train-100 in cart.go"
		h.at(time.Hour, func() { h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"1234567"}, By: "devon"}) })
		h.at(2*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
		h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, noGates).Pipeline, Train: 100, TriggeredBy: "rita"})
		var st TrainStatus
		h.env.GetWorkflowResult(&st)
		if len(st.Releases) != 2 || st.Releases[1].State != Failed || !strings.Contains(st.Releases[1].Error, "cart.go") {
			t.Errorf("releases = %+v; want the dot request failed with the conflict", st.Releases)
		}
		if n := len(h.called(contract.TagName)); n != 1 {
			t.Errorf("%d tags; a conflicting dot request must release nothing", n)
		}
	})
}

// A release held on a red QA verdict, whose manager chose to wait for a dot
// release, ends when the dot request arrives, and the dot release follows.
func TestTrain_dot_request_supersedes_a_held_release(t *testing.T) {
	h := newHarness(t, monday9am)
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
	h.at(time.Hour, func() {
		h.env.SignalWorkflowByID(ReleaseID("shop", "v1.100.0"), contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Red, Reason: "checkout rounding"})
	})
	h.at(2*time.Hour, func() {
		h.env.SignalWorkflowByID(ReleaseID("shop", "v1.100.0"), contract.Decide, DecisionRequest{Person: "rita", Decision: DecideWait})
	})
	h.at(3*time.Hour, func() {
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"1234567abc"}, By: "devon", Reason: "rounding fix"})
	})
	// The dot release goes through its gates too.
	h.at(4*time.Hour, func() {
		h.env.SignalWorkflowByID(ReleaseID("shop", "v1.100.1"), contract.Signoff, SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: Green})
	})
	h.at(5*time.Hour, func() {
		h.env.SignalWorkflowByID(ReleaseID("shop", "v1.100.1"), contract.Signoff, SignoffRequest{Env: config.Prod, Person: "sam", Verdict: Green})
	})
	h.at(6*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
	p := input(t, nil).Pipeline
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: p, Train: 100, TriggeredBy: "rita"})
	if !h.env.IsWorkflowCompleted() {
		t.Fatal("train did not end")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	if err := h.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Releases) != 2 || st.Releases[0].State != Failed || !strings.Contains(st.Releases[0].Error, "superseded by a dot release of train 100") ||
		st.Releases[1].Version != "v1.100.1" || st.Releases[1].State != Succeeded {
		t.Errorf("releases = %+v; want v1.100.0 superseded, then v1.100.1 released", st.Releases)
	}
}

// TestTrain_owner: with release.owners, the train's owner in the rotation
// manages it, not the person who started it.
func TestTrain_owner(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.at(2*time.Hour, func() {
		h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"})
	})
	p := input(t, noGates).Pipeline
	p.Release.Owners = []string{"rita", "maria", "sam"}
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: p, Train: 101, TriggeredBy: "rita"})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	if err := h.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if st.Manager != "sam" {
		t.Errorf("train 101 is managed by %q, want sam (owners[101 mod 3])", st.Manager)
	}
}

// TestTrain_dot_reason: a dot release names its reason from the short
// list, which the train's status and the release's own status and notes
// show; a reason not on the list is refused.
func TestTrain_dot_reason(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
	h.at(time.Hour, func() {
		h.expect(contract.Dot, DotRequest{Commits: []string{"1234567abc"}, By: "devon", Category: "boss-said", Reason: "now"}, `"boss-said" is not a reason for a dot release (want s1, test-failure, deadline, other)`)
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"1234567abc"}, By: "devon", Category: "s1", Reason: "checkout rounds totals down"})
	})
	h.at(2*time.Hour, func() {
		h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"})
	})
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, noGates).Pipeline, Train: 100, TriggeredBy: "rita"})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	if err := h.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	const why = "s1 (an S1 bug in production): checkout rounds totals down"
	if len(st.Releases) != 2 || st.Releases[1].Why != why {
		t.Fatalf("train releases %+v; want the dot release justified as %q", st.Releases, why)
	}
}

// TestTrain_ride_along: dot requests that arrive while a dot release is
// gathered (release.dot_gather) ride along in it, picked in the order they
// were asked for; a request after it is tagged becomes the next one.
func TestTrain_ride_along(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
	h.at(time.Hour, func() {
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"aaaaaaa1"}, By: "devon", Category: "s1", Reason: "checkout rounding"})
	})
	h.at(time.Hour+5*time.Minute, func() {
		st := h.trainStatus()
		if want := thursday2pm.Add(time.Hour + 15*time.Minute); !st.Gathering.Equal(want) || len(st.Pending) != 1 {
			t.Errorf("while gathering: tags at %s with %d pending; want %s with devon's request", st.Gathering, len(st.Pending), want)
		}
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"bbbbbbb2", "aaaaaaa1"}, By: "erin", Category: "deadline", Reason: "tax change on the 1st", OpsNote: "rebuild the tax tables first"})
	})
	h.at(3*time.Hour, func() {
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"ccccccc3"}, By: "devon", Category: "test-failure", Reason: "flaky login"})
	})
	h.at(5*time.Hour, func() {
		h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"})
	})
	p := input(t, noGates).Pipeline
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: p, Train: 100, TriggeredBy: "rita"})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	if err := h.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range st.Releases {
		got = append(got, r.Version+" "+strings.Join(r.Commits, ","))
	}
	if want := "v1.100.0 ; v1.100.1 aaaaaaa1,bbbbbbb2; v1.100.2 ccccccc3"; strings.Join(got, "; ") != want {
		t.Errorf("releases %q, want %q", strings.Join(got, "; "), want)
	}
	if len(st.Releases) == 3 && !strings.Contains(st.Releases[1].Why, "devon: s1 (an S1 bug in production): checkout rounding; erin: deadline (a deadline): tax change on the 1st") {
		t.Errorf("the gathered release is justified as %q; want both requests' reasons", st.Releases[1].Why)
	}
	picks := h.called(contract.CherryPickName)
	if len(picks) != 2 {
		t.Fatalf("%d cherry-picks, want one a dot release", len(picks))
	}
}

// The plan of a gathered dot release names each pick's author and
// subject, who asked for it and why.
func TestTrain_plan_names_each_picks_author_and_subject(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
	h.at(time.Hour, func() {
		h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"aaaaaaa1"}, By: "devon", Category: "s1", Reason: "checkout rounding"})
	})
	h.at(2*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
	p := input(t, noGates).Pipeline
	p.Notifications.Slack = &config.Slack{Channel: "#releases", TokenEnv: "SLACK_BOT_TOKEN"}
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: p, Train: 100, TriggeredBy: "rita"})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var plan string
	for _, c := range h.called(contract.NotifyName) {
		if text := c.req.(contract.NotifyRequest).Text; strings.Contains(text, "tagging v1.100.1") {
			plan = text
		}
	}
	if want := `- aaaaaaa "fix: change aaaaaaa1" (Ana Lopez) from devon: s1 (an S1 bug in production): checkout rounding`; !strings.Contains(plan, want) {
		t.Errorf("plan %q does not say %q", plan, want)
	}
}
