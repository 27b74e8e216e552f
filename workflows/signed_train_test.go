package workflows

import (
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"golang.org/x/crypto/ssh"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
)

// testRunID is what the SDK's test environment calls the run under test;
// signed statements name it.
const testRunID = "default-test-run-id"

// people makes an SSH key for each person, lists them in p (auth: signed)
// and returns a signer of statements: by the person the request names, or
// by another (by) for a forgery.
func people(t *testing.T, p *config.Pipeline, names ...string) func(action string, req Signed, id, run string, at time.Time, by ...string) *identity.Proof {
	t.Helper()
	signers := map[string]ssh.Signer{}
	p.People = map[string]config.Person{}
	for _, who := range names {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		signers[who] = s
		p.People[who] = config.Person{SSHKeys: []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))}}
	}
	p.Auth = config.AuthSigned
	return func(action string, req Signed, id, run string, at time.Time, by ...string) *identity.Proof {
		who := req.who()
		if len(by) > 0 {
			who = by[0]
		}
		proof, err := identity.Sign(Statement(action, req, p.Product, id, run, at), signers[who])
		if err != nil {
			t.Fatal(err)
		}
		return proof
	}
}

// TestTrain_signed: a train of a signed pipeline takes only signed
// requests; a hotfix it fans out carries the person's statement, which the
// newer train accepts hours later, and only for the commits asked.
func TestTrain_signed(t *testing.T) {
	p := input(t, noGates).Pipeline
	sign := people(t, &p, "rita", "devon")
	var forwarded DotRequest

	h := newHarness(t, thursday2pm)
	id := TrainID("shop", 100)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(
		func(namespace, id, runID, name string, arg any) error {
			forwarded = arg.(DotRequest)
			return nil
		})
	h.at(time.Hour, func() {
		dot := DotRequest{Commits: []string{"1234567abc"}, By: "devon", Reason: "checkout rounding"}
		h.expect(contract.Dot, dot, "dot refused for devon: the request is not signed")
		dot.Auth = sign(contract.Dot, dot, id, testRunID, thursday2pm.Add(time.Hour))
		h.mustUpdate(contract.Dot, dot)
		h.expect(contract.Dot, dot, "already used")
	})
	h.at(2*time.Hour, func() {
		closing := CloseRequest{By: "rita"}
		closing.Auth = sign(contract.CloseTrain, closing, id, testRunID, thursday2pm.Add(2*time.Hour))
		h.mustUpdate(contract.CloseTrain, closing)
	})
	in := TrainInput{Pipeline: p, Train: 100, TriggeredBy: "rita"}
	in.Auth = sign(ActionTrainStart, in, id, "", thursday2pm)
	h.env.ExecuteWorkflow(TrainWorkflow, in)
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if forwarded.Auth == nil || forwarded.Origin != 100 || forwarded.Asked != "checkout rounding" {
		t.Fatalf("forwarded %+v: want the person's statement, the train asked and the reason", forwarded)
	}

	// Train 101, five hours later: the fanned-out hotfix is accepted; the
	// same statement with other commits is not.
	later := thursday2pm.Add(5 * time.Hour)
	h = newHarness(t, later)
	id = TrainID("shop", 101)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	h.env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", contract.Dot, mock.Anything).Return(nil)
	h.at(time.Hour, func() {
		forged := forwarded
		forged.Commits = []string{"7654321fed"}
		h.expect(contract.Dot, forged, "the signed statement says")
		h.mustUpdate(contract.Dot, forwarded)
	})
	h.at(2*time.Hour, func() {
		closing := CloseRequest{By: "rita"}
		closing.Auth = sign(contract.CloseTrain, closing, id, testRunID, later.Add(2*time.Hour))
		h.mustUpdate(contract.CloseTrain, closing)
	})
	in = TrainInput{Pipeline: p, Train: 101, TriggeredBy: "rita"}
	in.Auth = sign(ActionTrainStart, in, id, "", later)
	h.env.ExecuteWorkflow(TrainWorkflow, in)
	if err := h.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st TrainStatus
	h.env.GetWorkflowResult(&st)
	if len(st.Releases) != 2 || st.Releases[1].State != Succeeded {
		t.Errorf("train 101 releases %+v, want its cut and the hotfix's dot release", st.Releases)
	}

	// A train started by someone signing as another is refused.
	h = newHarness(t, thursday2pm)
	id = TrainID("shop", 102)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	in = TrainInput{Pipeline: p, Train: 102, TriggeredBy: "rita"}
	in.Auth = sign(ActionTrainStart, in, id, "", thursday2pm, "devon")
	h.env.ExecuteWorkflow(TrainWorkflow, in)
	if err := h.env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "signed with devon's key") {
		t.Errorf("a train start signed by devon for rita: %v, want refused", err)
	}
}

// TestCandidate_signed: a scheduled candidate carries the statement its
// schedule was made with, accepted days later; a candidate nobody signed,
// or one whose schedule's terms were changed, is refused before anything
// runs.
func TestCandidate_signed(t *testing.T) {
	p := input(t, noGates).Pipeline
	sign := people(t, &p, "rita", "devon")
	made := thursday2pm.Add(-72 * time.Hour)
	scheduled := CandidateInput{Pipeline: p, TimeZone: "America/New_York", By: "rita"}
	scheduled.Auth = sign(ActionSchedule, scheduled, CandidateID("shop"), "", made)
	changed := scheduled
	changed.Cutoff = 4 * time.Hour
	for _, tc := range []struct {
		name string
		in   CandidateInput
		want string
	}{
		{"scheduled_days_after_the_schedule_was_signed", scheduled, ""},
		{"unsigned", CandidateInput{Pipeline: p, TimeZone: "America/New_York", By: "rita"}, "not signed"},
		{"schedule_terms_changed", changed, `the signed statement says timezone="America/New_York", but the request says timezone="America/New_York" cutoff="4h0m0s"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, thursday2pm)
			h.candidate = contract.CandidateCheck{Head: "cccccccccccccccccccccccccccccccccccccccc", NewCommits: 0}
			h.env.ExecuteWorkflow(CandidateWorkflow, tc.in)
			err := h.env.GetWorkflowError()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("candidate: %v, want it run", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("candidate: %v, want refused with %q", err, tc.want)
			case tc.want != "" && len(h.called(contract.CandidateCheckName)) > 0:
				t.Error("a refused candidate looked at the repository")
			}
		})
	}
}
