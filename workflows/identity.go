package workflows

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/identity"
)

// Actions a person signs, as statements name them. A message's action is
// its message name; a start has its own.
const (
	ActionReleaseStart = "release-start"
	ActionRollback     = "rollback"
	ActionTrainStart   = "train-start"
	ActionCandidate    = "candidate"
	ActionSchedule     = "schedule"
)

// Signed is a request a person signs: who it speaks for, the terms its
// statement must say besides the action, and the proof it carries.
type Signed interface {
	request
	Terms() []identity.Term
	proof() *identity.Proof
}

// Statement is what the person sending req as action must sign, for the
// workflow and run it goes to (no run for a start). The CLI signs it; the
// workflow checks a request's proof against the same terms, so the two
// cannot disagree.
func Statement(action string, req Signed, product, workflowID, run string, now time.Time) identity.Statement {
	return identity.New(action, product, workflowID, run, req.who(), req.Terms(), now, identity.TTL)
}

// Trust is what a workflow verifies people's requests against: whether
// they must be signed, and the keys of the people and of the bridges.
type Trust struct {
	Signed  bool                `json:"signed,omitempty"`
	Keys    map[string][]string `json:"keys,omitempty"`
	Bridges []identity.Bridge   `json:"bridges,omitempty"`
}

// trustOf is a pipeline's trust.
func trustOf(p config.Pipeline) Trust {
	if !p.Signed() {
		return Trust{}
	}
	return Trust{Signed: true, Keys: p.Keys(), Bridges: p.Bridges()}
}

// Approval is how an accepted request was signed, for the audit: the key
// and channel, and the signed statement itself, which anyone can verify
// again later with ssh-keygen.
type Approval struct {
	Key    string          `json:"key"`
	Bridge string          `json:"bridge,omitempty"`
	Proof  *identity.Proof `json:"proof"`
}

// signatures checks the requests one workflow run receives and remembers
// the nonces it accepted until their statements expire.
type signatures struct {
	trust   Trust
	product string
	// used maps each accepted nonce to when its statement expires.
	used map[string]time.Time
}

func newSignatures(t Trust, product string, used map[string]time.Time) *signatures {
	if used == nil {
		used = map[string]time.Time{}
	}
	return &signatures{trust: t, product: product, used: used}
}

// check verifies req's proof against this run; with requests not signed
// (auth: claimed) it accepts the name the request gives.
func (s *signatures) check(ctx workflow.Context, action string, req Signed) (*Approval, error) {
	if !s.trust.Signed {
		return nil, nil
	}
	info := workflow.GetInfo(ctx)
	terms := req.Terms()
	v := identity.Verifier{Keys: s.trust.Keys, Bridges: s.trust.Bridges, Used: func(n string) bool {
		_, ok := s.used[n]
		return ok
	}}
	got, err := v.Verify(req.proof(), identity.Expect{
		Action: action, Product: s.product, Workflow: info.WorkflowExecution.ID, Run: info.WorkflowExecution.RunID,
		Person: req.who(), Terms: terms, Now: workflow.Now(ctx),
	})
	if err != nil {
		return nil, err
	}
	return &Approval{Key: got.Key, Bridge: got.Bridge, Proof: req.proof()}, nil
}

// accept checks req again and spends its nonce: the statement counts once.
func (s *signatures) accept(ctx workflow.Context, action string, req Signed) (*Approval, error) {
	a, err := s.check(ctx, action, req)
	if err != nil || a == nil {
		return a, err
	}
	now := workflow.Now(ctx)
	for _, n := range slices.Collect(maps.Keys(s.used)) {
		if !now.Before(s.used[n]) {
			delete(s.used, n)
		}
	}
	st, err := identity.Parse([]byte(a.Proof.Statement))
	if err == nil {
		s.used[st.Nonce] = st.Expires
	}
	return a, nil
}

// checkStart verifies the proof of a request that started this workflow:
// its statement names the workflow and no run, as the run did not exist.
func (s *signatures) checkStart(ctx workflow.Context, action string, req Signed) (*Approval, error) {
	if !s.trust.Signed {
		return nil, nil
	}
	terms := req.Terms()
	v := identity.Verifier{Keys: s.trust.Keys, Bridges: s.trust.Bridges}
	got, err := v.Verify(req.proof(), identity.Expect{
		Action: action, Product: s.product, Workflow: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Person: req.who(), Terms: terms, Now: workflow.Now(ctx),
	})
	if err != nil {
		return nil, err
	}
	return &Approval{Key: got.Key, Bridge: got.Bridge, Proof: req.proof()}, nil
}

// checkAsSigned verifies a statement as of when it was signed, for a
// request that is used later than its ten minutes by design (a schedule's
// runs): the signature, the person's key, the workflow and terms; no run,
// no nonce.
func (s *signatures) checkAsSigned(action, workflowID string, req Signed) error {
	p := req.proof()
	if p == nil {
		return fmt.Errorf("the request is not signed, and this pipeline accepts only signed requests (auth: signed)")
	}
	st, err := identity.Parse([]byte(p.Statement))
	if err != nil {
		return fmt.Errorf("the signed statement: %v", err)
	}
	v := identity.Verifier{Keys: s.trust.Keys, Bridges: s.trust.Bridges}
	_, err = v.Verify(p, identity.Expect{Action: action, Product: s.product, Workflow: workflowID, Person: req.who(), Terms: req.Terms(), Now: st.Issued})
	return err
}

func term(k, v string) identity.Term { return identity.Term{Key: k, Value: v} }

// Terms of each request a person signs.

// Terms of a signoff: its gate, role, verdict and reason, and the channel.
func (r SignoffRequest) Terms() []identity.Term {
	return []identity.Term{term("env", r.Env), term("role", r.Role), term("verdict", r.Verdict), term("reason", r.Reason), term("via", r.Via)}
}
func (r SignoffRequest) proof() *identity.Proof { return r.Auth }

// Terms of a window exception: its reason and justification.
func (r OverrideRequest) Terms() []identity.Term {
	return []identity.Term{term("reason", r.Reason), term("justification", r.Justification)}
}
func (r OverrideRequest) proof() *identity.Proof { return r.Auth }

// Terms of a decision on a held release.
func (r DecisionRequest) Terms() []identity.Term {
	return []identity.Term{term("decision", r.Decision), term("reason", r.Reason)}
}
func (r DecisionRequest) proof() *identity.Proof { return r.Auth }

// Terms of an abort.
func (r AbortRequest) Terms() []identity.Term { return []identity.Term{term("reason", r.Reason)} }
func (r AbortRequest) proof() *identity.Proof { return r.Auth }

// Terms of a canary decision.
func (r CanaryDecisionRequest) Terms() []identity.Term {
	d := CanaryRollback
	if r.Continue {
		d = CanaryContinue
	}
	return []identity.Term{term("decision", d), term("reason", r.Reason)}
}
func (r CanaryDecisionRequest) proof() *identity.Proof { return r.Auth }
func (r CanaryDecisionRequest) who() string            { return r.Person }

// Terms of a freeze or its lifting.
func (r FreezeRequest) Terms() []identity.Term { return []identity.Term{term("reason", r.Reason)} }
func (r FreezeRequest) proof() *identity.Proof { return r.Auth }

// Terms of a release start: the version and what is tagged.
func (in ReleaseInput) Terms() []identity.Term {
	terms := []identity.Term{term("version", in.Version), term("ref", in.Ref)}
	if in.OpsNote != "" {
		// Only when given, so statements signed before notes existed
		// verify as they were.
		terms = append(terms, term("ops-note", in.OpsNote))
	}
	return terms
}
func (in ReleaseInput) proof() *identity.Proof { return in.Auth }
func (in ReleaseInput) who() string            { return in.TriggeredBy }

// Terms of a rollback: where, of what, to what, and why.
func (in RollbackInput) Terms() []identity.Term {
	return []identity.Term{term("env", in.Env), term("service", in.Service), term("to", in.To), term("reason", in.Reason)}
}
func (in RollbackInput) proof() *identity.Proof { return in.Auth }
func (in RollbackInput) who() string            { return in.By }

// Terms of a train start.
func (in TrainInput) Terms() []identity.Term {
	return []identity.Term{term("train", fmt.Sprint(in.Train)), term("manager", in.Manager)}
}
func (in TrainInput) proof() *identity.Proof { return in.Auth }
func (in TrainInput) who() string            { return in.TriggeredBy }

// Terms of a dot request: the commits and why.
func (r DotRequest) Terms() []identity.Term {
	terms := []identity.Term{term("commits", strings.Join(r.Commits, " ")), term("reason", r.Reason)}
	if r.Category != "" {
		// Only when given, so statements signed before categories verify.
		terms = append(terms, term("category", r.Category))
	}
	if r.OpsNote != "" {
		terms = append(terms, term("ops-note", r.OpsNote))
	}
	if r.Security {
		terms = append(terms, term("security", r.Private))
	}
	return terms
}
func (r DotRequest) proof() *identity.Proof { return r.Auth }
func (r DotRequest) who() string            { return r.By }

// Terms of closing a train.
func (r CloseRequest) Terms() []identity.Term { return nil }
func (r CloseRequest) proof() *identity.Proof { return r.Auth }
func (r CloseRequest) who() string            { return r.By }

// Terms of a candidate, asked now or by a schedule.
func (in CandidateInput) Terms() []identity.Term {
	return []identity.Term{term("timezone", in.TimeZone), term("cutoff", durationTerm(in.Cutoff))}
}
func (in CandidateInput) proof() *identity.Proof { return in.Auth }
func (in CandidateInput) who() string {
	if in.TriggeredBy != "" {
		return in.TriggeredBy
	}
	return in.By
}

func durationTerm(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
