package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

func TestTrain_before_tagging_lists_announces_and_cuts_at_the_cutoff(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.open = [][]contract.PullRequest{
		{{Number: 12, Title: "checkout rounding", Author: "ada", URL: "https://github.com/acme/shop/pull/12"}, {Number: 15, Title: "wishlist", Author: "bo", URL: "https://github.com/acme/shop/pull/15"}},
		{{Number: 15, Title: "wishlist", Author: "bo", URL: "https://github.com/acme/shop/pull/15"}},
	}
	var before TrainStatus
	h.at(time.Hour, func() {
		v, err := h.env.QueryWorkflow(contract.QueryStatus)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Get(&before); err != nil {
			t.Fatal(err)
		}
	})
	h.at(3*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
	p := input(t, func(p *config.Pipeline) {
		noGates(p)
		p.Repository.GitHub = "acme/shop"
		withSlack(p)
	}).Pipeline
	cutoff := thursday2pm.Add(2 * time.Hour)
	h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: p, Train: 100, TriggeredBy: ScheduledBy, Manager: "ada", Cutoff: cutoff})
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	if err := h.env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	if before.Cut || len(before.Open) != 2 || before.Manager != "ada" || !before.Cutoff.Equal(cutoff) {
		t.Errorf("status before the cutoff = %+v; want not cut, two open PRs, manager ada, the cutoff", before)
	}
	if len(st.OpenAtCut) != 1 || st.OpenAtCut[0].Number != 15 {
		t.Errorf("open at the cutoff = %+v, want #15 only", st.OpenAtCut)
	}
	cuts := h.called(contract.CutTrainName)
	if len(cuts) != 1 || !cuts[0].at.Equal(cutoff) {
		t.Fatalf("cuts = %+v; want one at the cutoff %s", cuts, cutoff)
	}
	posts := h.called(contract.NotifyName)
	if len(posts) == 0 {
		t.Fatal("nothing announced in Slack")
	}
	text := posts[0].req.(contract.NotifyRequest).Text
	for _, want := range []string{"v1.100.0 will be tagged", "release manager: ada", "#12 checkout rounding (ada)", "#15 wishlist (bo)"} {
		if !strings.Contains(text, want) {
			t.Errorf("announcement %q lacks %q", text, want)
		}
	}
	if !posts[0].at.Equal(thursday2pm) {
		t.Errorf("announced at %s, want at the start", posts[0].at)
	}
	// The release of the train is managed by the train's manager.
	for _, c := range h.called(contract.NotifyName)[1:] {
		if r := c.req.(contract.NotifyRequest); strings.Contains(r.Text, "release manager") && !strings.Contains(r.Text, "release manager ada") && !strings.Contains(r.Text, "release manager: ada") {
			t.Errorf("release message %q does not name ada as manager", r.Text)
		}
	}
}

func TestCandidate(t *testing.T) {
	committers := []contract.Committer{
		{Name: "Bo", Email: "bo@example.com", Commits: 3},
		{Name: "Ada", Email: "ada@example.com", Commits: 1, InZone: true},
		{Name: "Cy", Email: "cy@example.com", Commits: 2},
	}
	// The train runs on after the candidate ends; here it is the SDK's
	// stand-in child, which records what it was started with.
	var trains []TrainInput
	run := func(t *testing.T, check contract.CandidateCheck, in CandidateInput) (CandidateResult, *harness) {
		t.Helper()
		h := newHarness(t, thursday2pm)
		h.candidate = check
		trains = nil
		h.env.OnWorkflow("TrainWorkflow", mock.Anything, mock.Anything).Return(
			func(_ workflow.Context, in TrainInput) (TrainStatus, error) {
				trains = append(trains, in)
				return TrainStatus{}, nil
			})
		h.env.ExecuteWorkflow(CandidateWorkflow, in)
		if !h.env.IsWorkflowCompleted() {
			t.Fatal("candidate did not end")
		}
		if err := h.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		var res CandidateResult
		if err := h.env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		return res, h
	}
	p := input(t, noGates).Pipeline

	t.Run("no_new_commits_starts_nothing", func(t *testing.T) {
		res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: 100, NextTrain: 101}, CandidateInput{Pipeline: p, TimeZone: "America/New_York"})
		if res.Train != 0 || !strings.Contains(res.Skipped, "no new commits since train-100") {
			t.Errorf("result = %+v; want skipped for no new commits", res)
		}
		if len(trains) != 0 {
			t.Errorf("%d trains started with nothing new", len(trains))
		}
	})
	t.Run("scheduled_manager_is_a_committer_in_the_zone", func(t *testing.T) {
		res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: 100, NextTrain: 101, NewCommits: 6, Committers: committers}, CandidateInput{Pipeline: p, TimeZone: "America/New_York"})
		if res.Train != 101 || res.Manager != "Ada" || res.ManagerEmail != "ada@example.com" {
			t.Errorf("result = %+v; want train 101 managed by Ada, the only committer in the zone", res)
		}
		if len(trains) != 1 || trains[0].Train != 101 || trains[0].Manager != "Ada" || trains[0].TriggeredBy != ScheduledBy {
			t.Errorf("trains started = %+v; want train 101 managed by Ada, triggered by the schedule", trains)
		}
	})
	t.Run("scheduled_manager_from_all_committers_when_none_is_in_the_zone", func(t *testing.T) {
		seen := map[string]bool{}
		abroad := []contract.Committer{committers[0], committers[2]}
		for range 12 {
			res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: 100, NextTrain: 101, NewCommits: 5, Committers: abroad}, CandidateInput{Pipeline: p, TimeZone: "Asia/Tokyo"})
			if res.Manager != "Bo" && res.Manager != "Cy" {
				t.Fatalf("manager %q is not a committer", res.Manager)
			}
			seen[res.Manager] = true
		}
		// Twelve fair picks of two people give the same one every time
		// with probability 2^-11.
		if len(seen) != 2 {
			t.Errorf("twelve picks all chose %v; the pick is not random", seen)
		}
	})
	t.Run("owners_rotate_one_a_train", func(t *testing.T) {
		owned := p
		owned.Release.Owners = []string{"rita", "maria", "sam"}
		// Trains 101, 102 and 103: owners[N mod 3], whoever triggers it,
		// and no committer is picked.
		for train, want := range map[int]string{101: "sam", 102: "rita", 103: "maria"} {
			res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: train - 1, NextTrain: train, NewCommits: 2, Committers: committers}, CandidateInput{Pipeline: owned, TimeZone: "America/New_York"})
			if res.Manager != want || len(trains) != 1 || trains[0].Manager != want || trains[0].TriggeredBy != ScheduledBy {
				t.Errorf("train %d: result %+v, trains %+v; want it owned by %s", train, res, trains, want)
			}
		}
		res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: 100, NextTrain: 101, NewCommits: 2, Committers: committers}, CandidateInput{Pipeline: owned, TriggeredBy: "quinn"})
		if res.Manager != "sam" || trains[0].TriggeredBy != "quinn" {
			t.Errorf("a manual candidate of train 101: %+v, %+v; want sam, its owner, to manage it, started by quinn", res, trains)
		}
	})
	t.Run("manual_candidate_is_managed_by_who_triggered_it", func(t *testing.T) {
		res, _ := run(t, contract.CandidateCheck{Head: "0123456789", LastTrain: 100, NextTrain: 101, NewCommits: 6, Committers: committers}, CandidateInput{Pipeline: p, TriggeredBy: "maria", Cutoff: time.Hour})
		if res.Train != 101 || res.Manager != "maria" {
			t.Errorf("result = %+v; want train 101 managed by maria", res)
		}
		if len(trains) != 1 || trains[0].Manager != "maria" || trains[0].TriggeredBy != "maria" || !trains[0].Cutoff.Equal(thursday2pm.Add(time.Hour)) {
			t.Errorf("trains started = %+v, want train 101 by maria, cut an hour after the start", trains)
		}
	})
}
