package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
)

// StageScan checks every image for known vulnerabilities, after signing
// and before any environment.
const StageScan = "vulnerabilities"

// Blocked is the state of a stage that known vulnerabilities stop.
const Blocked = "blocked"

// VulnExceptionRequest lets blocking vulnerabilities through, for this
// release only.
type VulnExceptionRequest struct {
	Person string `json:"person"`
	// IDs are the vulnerabilities let through, each blocking the release.
	IDs           []string `json:"ids"`
	Justification string   `json:"justification"`
	// Auth is the person's signed statement of this request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

func (r VulnExceptionRequest) who() string { return r.Person }

// Terms of a vulnerability exception: the IDs and the justification.
func (r VulnExceptionRequest) Terms() []identity.Term {
	return []identity.Term{term("ids", strings.Join(r.IDs, ",")), term("justification", r.Justification)}
}
func (r VulnExceptionRequest) proof() *identity.Proof { return r.Auth }

// VulnException is an approved exception to the vulnerability gate.
type VulnException struct {
	Person        string    `json:"person"`
	IDs           []string  `json:"ids"`
	Justification string    `json:"justification"`
	At            time.Time `json:"at"`
	// Auth is how the exception was signed (auth: signed).
	Auth *Approval `json:"auth,omitempty"`
}

// scan is the vulnerability gate after the build.
func (r *release) scan(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, "vulnerability-gate", workflow.DefaultVersion, 1) != 1 {
		r.skip(ctx, StageScan, "recorded before the vulnerability gate")
		return nil
	}
	return r.vulnGate(ctx, StageScan, "")
}

// recheck is the vulnerability gate before a production environment,
// against the database of that day: a vulnerability published since the
// build stops production too.
func (r *release) recheck(ctx workflow.Context, stage, env string) error {
	if r.in.Pipeline.Security.Vulnerabilities == nil || workflow.GetVersion(ctx, "vulnerability-gate", workflow.DefaultVersion, 1) != 1 {
		return nil
	}
	return r.vulnGate(ctx, stage, env)
}

// vulnGate scans every image and, while any finding blocks that no
// exception lets through, waits for an exception or an abort.
func (r *release) vulnGate(ctx workflow.Context, stage, env string) error {
	policy := *r.in.Pipeline.Security.Vulnerabilities
	arts := r.st.Artifacts
	results := make([]contract.ScanResult, len(arts))
	err := parallel(ctx, len(arts), r.in.Pipeline.Release.BuildParallelism, func(ctx workflow.Context, i int) error {
		svc, _ := r.in.Pipeline.Service(arts[i].Service)
		return run(ctx, contract.ScanName, contract.ScanRequest{
			Product: r.in.Pipeline.Product, Version: r.in.Version, Commit: r.st.Commit,
			Artifact: arts[i], Build: svc.Build, Policy: policy, Env: env,
		}, &results[i])
	})
	if err != nil {
		return err
	}
	r.st.Scans = append(r.st.Scans, results...)
	where := "before " + env
	if env == "" {
		where = "after the build"
	}
	for {
		open := r.unexcepted(results)
		if len(open) == 0 {
			r.detail(ctx, stage, scanSummary(results, where))
			return nil
		}
		r.blocked = open
		text := fmt.Sprintf("blocked %s by %s; fix and release again, or let through with `signalman allow-vulnerabilities %s --id ID --justification ...`",
			where, describeFindings(open), r.in.Version)
		r.wait(ctx, stage, Blocked, text)
		r.log.Warn("vulnerabilities block the release", "env", env, "findings", len(open))
		seen := len(r.st.VulnExceptions)
		if err := workflow.Await(ctx, func() bool { return len(r.st.VulnExceptions) > seen || r.st.Abort != nil }); err != nil {
			return err
		}
		r.blocked = nil
		if r.st.Abort != nil {
			return errAborted
		}
	}
}

// unexcepted are the blocking findings no approved exception names.
func (r *release) unexcepted(results []contract.ScanResult) []contract.Finding {
	var open []contract.Finding
	for _, res := range results {
		for _, f := range res.Blocking() {
			if !r.excepted(f) && !slices.ContainsFunc(open, func(o contract.Finding) bool { return o.ID == f.ID }) {
				open = append(open, f)
			}
		}
	}
	return open
}

func (r *release) excepted(f contract.Finding) bool {
	for _, e := range r.st.VulnExceptions {
		for _, id := range e.IDs {
			if slices.Contains(f.Names(), id) {
				return true
			}
		}
	}
	return false
}

func (r *release) checkVulnException(ctx workflow.Context, req VulnExceptionRequest) error {
	if err := r.checkOpen(); err != nil {
		return err
	}
	if len(r.blocked) == 0 {
		return fmt.Errorf("no vulnerability blocks %s %s now; an exception is approved for vulnerabilities the gate has found", r.st.Product, r.st.Version)
	}
	if len(req.IDs) == 0 {
		return fmt.Errorf("name the vulnerabilities to let through (blocking: %s)", strings.Join(ids(r.blocked), ", "))
	}
	for _, id := range req.IDs {
		if !slices.ContainsFunc(r.blocked, func(f contract.Finding) bool { return slices.Contains(f.Names(), id) }) {
			return fmt.Errorf("%s does not block %s %s (blocking: %s)", id, r.st.Product, r.st.Version, strings.Join(ids(r.blocked), ", "))
		}
	}
	if strings.TrimSpace(req.Justification) == "" {
		return fmt.Errorf("an exception to the vulnerability gate needs a written justification")
	}
	if req.Person == r.in.TriggeredBy {
		return fmt.Errorf("%s triggered this release and cannot approve its vulnerability exception", req.Person)
	}
	if ok, err := r.may(ctx, config.ActAllowVulnerabilities, req.Person); ok || err != nil {
		return err
	}
	// A pipeline recorded before permissions were filled in: the window
	// exception's role.
	role := r.in.Pipeline.Release.ExceptionRole
	if !slices.Contains(r.in.Pipeline.Approvers[role], req.Person) {
		return fmt.Errorf("%s is not a listed %s approver and cannot approve a vulnerability exception (listed: %s)", req.Person, role, strings.Join(r.in.Pipeline.Approvers[role], ", "))
	}
	return nil
}

func (r *release) allowVulns(ctx workflow.Context, req VulnExceptionRequest, a *Approval) {
	r.st.VulnExceptions = append(r.st.VulnExceptions, VulnException{
		Person: req.Person, IDs: req.IDs, Justification: req.Justification,
		At: workflow.Now(ctx), Auth: a,
	})
	r.log.Warn("vulnerability exception approved", "person", req.Person, "ids", strings.Join(req.IDs, ","))
}

func ids(fs []contract.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

// describeFindings names each finding: its ID, where it is and what fixes it.
func describeFindings(fs []contract.Finding) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = describeFinding(f)
	}
	return strings.Join(parts, "; ")
}

func describeFinding(f contract.Finding) string {
	where := f.Module + "@" + f.Version
	if f.Symbol != "" {
		where += ", reaches " + f.Symbol
	}
	fix := "no fixed version"
	if f.Fixed != "" {
		fix = "fixed in " + f.Fixed
	}
	sev := f.Severity
	if sev == "" {
		sev = "ungraded"
	}
	return fmt.Sprintf("%s (%s; %s; %s)", f.ID, sev, where, fix)
}

// scanSummary says what a passed gate found.
func scanSummary(results []contract.ScanResult, where string) string {
	var passing []string
	for _, res := range results {
		for _, f := range res.Findings {
			if !f.Blocks {
				passing = append(passing, f.ID)
			}
		}
	}
	s := fmt.Sprintf("%d image(s) checked %s: nothing blocks", len(results), where)
	if len(passing) > 0 {
		slices.Sort(passing)
		s += fmt.Sprintf(" (%d below the block severity or ignored: %s)", len(passing), strings.Join(slices.Compact(passing), ", "))
	}
	return s
}

// vulnNotes is the release notes' section on the vulnerability gate: the
// exceptions approved and the vulnerabilities they let through.
func (st Status) vulnNotes() string {
	if len(st.VulnExceptions) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n## Vulnerability exceptions\n\n")
	for _, e := range st.VulnExceptions {
		fmt.Fprintf(&b, "- %s let through by %s at %s: %s\n", strings.Join(e.IDs, ", "), e.Person, e.At.UTC().Format("2006-01-02 15:04 MST"), e.Justification)
	}
	return b.String()
}
