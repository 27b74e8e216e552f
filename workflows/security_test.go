package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

const privateRepo = "/srv/git/shop-private.git"

// withSecurity is noGates with a private repository and Slack's public
// and security channels.
func withSecurity(p *config.Pipeline) {
	noGates(p)
	p.Repository.PrivateURL = privateRepo
	p.Notifications.Slack = &config.Slack{Channel: "#releases", SecurityChannel: "#security", TokenEnv: "SLACK_BOT_TOKEN"}
}

// noFanOut answers the train's hotfix signals to newer trains.
func noFanOut(h *harness) {
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
}

// publicBefore lists the messages about version that went anywhere but
// the security channel before at.
func publicBefore(h *harness, version string, at time.Time) []string {
	var out []string
	for _, c := range h.called(contract.NotifyName) {
		req := c.req.(contract.NotifyRequest)
		if c.at.Before(at) && req.Channel != "#security" && (req.Version == version || strings.Contains(req.Text, version)) {
			out = append(out, req.Channel+": "+req.Text)
		}
	}
	return out
}

func TestTrain_security_release(t *testing.T) {
	t.Run("ships_from_the_private_repository_and_is_uplifted_once_in_production", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		noFanOut(h)
		h.at(time.Hour, func() {
			h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"5d1e2f3"}, By: "devon", Category: "s1", Reason: "session fixation", Security: true})
		})
		h.at(3*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
		h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, withSecurity).Pipeline, Train: 100, TriggeredBy: "rita"})
		if err := h.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		var st TrainStatus
		h.env.GetWorkflowResult(&st)
		if len(st.Releases) != 2 || st.Releases[1].State != Succeeded || st.Releases[1].Uplift == nil || st.Releases[1].Uplift.Open {
			t.Fatalf("releases = %+v; want v1.100.1 succeeded and uplifted", st.Releases)
		}
		picks := h.called(contract.CherryPickName)
		if len(picks) != 1 || picks[0].req.(contract.PickRequest).Private != privateRepo {
			t.Errorf("picks = %+v; want one from the private repository", picks)
		}
		tags := h.called(contract.TagName)
		if len(tags) != 2 || tags[1].req.(contract.TagRequest).RepoURL != privateRepo {
			t.Errorf("the security release was tagged in %v; want the private repository", tags[1].req)
		}
		for _, b := range h.called(contract.BuildName) {
			if req := b.req.(contract.BuildRequest); req.Version == "v1.100.1" && req.RepoURL != privateRepo {
				t.Errorf("built %s from %s, not the private repository", req.Service, req.RepoURL)
			}
		}
		ups := h.called(contract.UpliftName)
		if len(ups) != 1 {
			t.Fatalf("%d uplifts, want 1", len(ups))
		}
		up := ups[0].req.(contract.UpliftRequest)
		if up.Private != privateRepo || up.Public != "/srv/git/shop.git" || up.Tag != "v1.100.1" || up.Train != 100 {
			t.Errorf("uplift = %+v", up)
		}
		for _, c := range h.called(contract.PromoteName) {
			if c.req.(contract.PromoteRequest).Version == "v1.100.1" && c.at.After(ups[0].at) {
				t.Error("uplifted before the release was in production")
			}
		}
		if leaked := publicBefore(h, "v1.100.1", ups[0].at); len(leaked) > 0 {
			t.Errorf("public messages before the uplift: %q", leaked)
		}
		if len(publicBefore(h, "v1.100.1", ups[0].at.Add(time.Hour))) == 0 {
			t.Error("no public announcement once uplifted")
		}
		if len(h.called(contract.ReleaseNotesName)) != 2 || h.called(contract.ReleaseNotesName)[1].at.Before(ups[0].at) {
			t.Error("the security release's notes were read before it was public")
		}
	})

	t.Run("a_conflicting_uplift_leaves_a_task_posted_daily_until_retried", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		noFanOut(h)
		h.fail[contract.UpliftName] = "uplift of v1.100.1 stopped: merging it into the public train-100 conflicts in checkout.go; nothing was pushed"
		h.at(time.Hour, func() {
			h.mustUpdate(contract.Dot, DotRequest{Commits: []string{"5d1e2f3"}, By: "devon", Category: "s1", Reason: "session fixation", Security: true})
		})
		var mid TrainStatus
		h.at(30*time.Hour, func() {
			mid = h.trainStatus()
			h.expect(contract.RetryUplift, UpliftRetry{By: "sam", Version: "v1.100.0"}, "has no open uplift")
			h.mu.Lock()
			delete(h.fail, contract.UpliftName)
			h.mu.Unlock()
			h.mustUpdate(contract.RetryUplift, UpliftRetry{By: "sam", Version: "v1.100.1"})
		})
		h.at(31*time.Hour, func() { h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"}) })
		h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, withSecurity).Pipeline, Train: 100, TriggeredBy: "rita"})
		if err := h.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if u := mid.Releases[1].Uplift; mid.Releases[1].State != Succeeded || u == nil || !u.Open || !strings.Contains(u.Error, "checkout.go") {
			t.Fatalf("at 30h: %+v; want v1.100.1 succeeded with an open uplift naming the conflict", mid.Releases[1])
		}
		var reminders, public int
		for _, c := range h.called(contract.NotifyName) {
			req := c.req.(contract.NotifyRequest)
			switch {
			case req.Channel == "#security" && strings.Contains(req.Text, "still not public"):
				reminders++
			case req.Channel == "#releases" && strings.Contains(req.Text, "v1.100.1"):
				public++
				if !strings.Contains(req.Text, "is public now (uplifted by sam)") {
					t.Errorf("public message before the uplift: %q", req.Text)
				}
			}
		}
		if reminders != 1 || public != 1 {
			t.Errorf("%d daily reminders and %d public messages; want one of each (a day passed before the retry)", reminders, public)
		}
		var st TrainStatus
		h.env.GetWorkflowResult(&st)
		if u := st.Releases[1].Uplift; u.Open || u.Done.IsZero() {
			t.Errorf("uplift after the retry = %+v; want done", u)
		}
	})

	t.Run("refused_without_a_private_repository", func(t *testing.T) {
		h := newHarness(t, thursday2pm)
		h.at(time.Hour, func() {
			h.expect(contract.Dot, DotRequest{Commits: []string{"5d1e2f3"}, By: "devon", Security: true}, "set repository.private_url")
			h.mustUpdate(contract.CloseTrain, CloseRequest{By: "rita"})
		})
		h.env.ExecuteWorkflow(TrainWorkflow, TrainInput{Pipeline: input(t, noGates).Pipeline, Train: 100, TriggeredBy: "rita"})
		if err := h.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if len(h.called(contract.CherryPickName)) != 0 {
			t.Error("a refused security request was picked")
		}
	})
}
