package workflows

import (
	"fmt"
	"slices"
	"strings"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/identity"
)

// Verdicts a signoff carries. Green lets the release go on; yellow and red
// hold it for the release manager.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
)

// SignoffRequest is one person signing off a release in an environment: QA on
// stage, SRE (or whoever the environment names) on prod.
type SignoffRequest struct {
	Env    string `json:"env"`
	Person string `json:"person"`
	// Role may be left empty when the person is listed for exactly one role the environment still needs.
	Role    string `json:"role,omitempty"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
	// Via says where the signoff came from: cli, slack, ui.
	Via string `json:"via,omitempty"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// Exception reasons that may open a closed deploy window.
const (
	ProdDown       = "prod-down"
	CriticalBug    = "critical-bug"
	UrgentDeadline = "urgent-deadline"
)

// ExceptionReasons lists the accepted exception reasons.
var ExceptionReasons = []string{ProdDown, CriticalBug, UrgentDeadline}

// OverrideRequest asks to deploy to production outside the window.
type OverrideRequest struct {
	Person        string `json:"person"`
	Reason        string `json:"reason"`
	Justification string `json:"justification"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// Decisions a release manager can take on a held release.
const (
	DecideAbort = "abort"
	DecideWait  = "wait"
)

// DecisionRequest is the release manager's answer to a held release.
type DecisionRequest struct {
	Person   string `json:"person"`
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// AbortRequest stops a release.
type AbortRequest struct {
	Person string `json:"person"`
	Reason string `json:"reason"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// gate is the signoff rule set of one environment.
type gate struct {
	env       string
	required  []config.Signoff
	approvers map[string][]string
}

// roleFor checks a signoff against the gate and the signoffs already given,
// and returns the role it fills.
func (g gate) roleFor(req SignoffRequest, given []SignoffRecord, triggeredBy string) (string, error) {
	if req.Person == "" {
		return "", fmt.Errorf("who is signing off? give the person's name")
	}
	if req.Person == triggeredBy {
		return "", fmt.Errorf("%s triggered this release and cannot sign it off; ask another listed approver", req.Person)
	}
	for _, s := range given {
		if s.Person == req.Person {
			return "", fmt.Errorf("%s already signed off this release (%s on %s); one person cannot fill two signoffs", req.Person, s.Role, s.Env)
		}
	}
	if req.Role != "" {
		need, ok := g.need(req.Role)
		if !ok {
			return "", fmt.Errorf("role %q is not required on %s (required: %s)", req.Role, g.env, g.roleNames())
		}
		if !slices.Contains(g.approvers[req.Role], req.Person) {
			return "", fmt.Errorf("%s is not a listed %s approver (listed: %s)", req.Person, req.Role, strings.Join(g.approvers[req.Role], ", "))
		}
		if g.count(req.Role, given) >= need {
			return "", fmt.Errorf("%s on %s already has its %d signoff(s)", req.Role, g.env, need)
		}
		return req.Role, nil
	}
	var open []string
	listed := false
	for _, r := range g.required {
		if slices.Contains(g.approvers[r.Role], req.Person) {
			listed = true
			if g.count(r.Role, given) < r.Count {
				open = append(open, r.Role)
			}
		}
	}
	switch {
	case !listed:
		return "", fmt.Errorf("%s is not a listed approver for any role required on %s (required: %s)", req.Person, g.env, g.roleNames())
	case len(open) == 0:
		return "", fmt.Errorf("every role %s can fill on %s already has its signoffs", req.Person, g.env)
	case len(open) > 1:
		return "", fmt.Errorf("%s is listed for several open roles on %s (%s): say which with a role", req.Person, g.env, strings.Join(open, ", "))
	}
	return open[0], nil
}

// need returns how many signoffs the role requires here.
func (g gate) need(role string) (int, bool) {
	for _, r := range g.required {
		if r.Role == role {
			return r.Count, true
		}
	}
	return 0, false
}

// count is the number of green signoffs a role has on this gate.
func (g gate) count(role string, given []SignoffRecord) int {
	n := 0
	for _, s := range given {
		if s.Env == g.env && s.Role == role && s.Verdict == Green {
			n++
		}
	}
	return n
}

// complete reports whether every required role has its green signoffs.
func (g gate) complete(given []SignoffRecord) bool {
	for _, r := range g.required {
		if g.count(r.Role, given) < r.Count {
			return false
		}
	}
	return true
}

func (g gate) roleNames() string {
	var names []string
	for _, r := range g.required {
		names = append(names, fmt.Sprintf("%s x%d", r.Role, r.Count))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkVerdict validates the verdict and its reason.
func checkVerdict(req SignoffRequest) error {
	switch req.Verdict {
	case Green:
		return nil
	case Yellow, Red:
		if strings.TrimSpace(req.Reason) == "" {
			return fmt.Errorf("a %s verdict needs a reason", req.Verdict)
		}
		return nil
	case "":
		return fmt.Errorf("a signoff needs a verdict: green, yellow or red")
	}
	return fmt.Errorf("verdict %q is not green, yellow or red", req.Verdict)
}
