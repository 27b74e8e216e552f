package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

func withVulnGate(p *config.Pipeline) {
	p.Security.Vulnerabilities = &config.Vulnerabilities{Database: "/srv/vulndb"}
}

// A blocking vulnerability found after the build holds the release before
// stage until someone allowed to approves an exception naming it; one
// published before prod holds prod the same way, and the rest of the
// release goes on as before. Both exceptions are in the status and notes.
func TestVulnGate_blocks_before_stage_and_again_before_prod_until_an_exception(t *testing.T) {
	h := newHarness(t, thursday2pm)
	old := contract.Finding{ID: "GO-2026-0001", Aliases: []string{"CVE-2026-0001"}, Module: "stdlib", Version: "v1.26.8", Fixed: "v1.26.9", Symbol: "net/http.NewServeMux", Via: "binary", Blocks: true}
	fresh := contract.Finding{ID: "GO-2026-0002", Module: "stdlib", Version: "v1.26.8", Via: "sbom", Severity: "critical", Blocks: true}
	low := contract.Finding{ID: "GO-2026-0003", Module: "stdlib", Version: "v1.26.8", Via: "sbom", Severity: "low"}
	h.findings = map[string][]contract.Finding{"": {old, low}, config.Prod: {old, fresh}}
	h.at(time.Minute, func() {
		st := h.status()
		if s := st.stage(StageScan); s == nil || s.State != Blocked || !strings.Contains(s.Detail, "GO-2026-0001 (ungraded; stdlib@v1.26.8, reaches net/http.NewServeMux; fixed in v1.26.9)") {
			t.Errorf("scan stage after a minute: %+v, want blocked naming the finding, where it is and its fix", s)
		}
		if len(h.called(contract.DeployName)) > 0 {
			t.Error("a blocked release deployed")
		}
		h.expect(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "alice", IDs: []string{"GO-2026-0001"}, Justification: "mine"}, "alice triggered this release")
		h.expect(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "quinn", IDs: []string{"GO-2026-0001"}, Justification: "qa says so"}, "quinn may not allow-vulnerabilities")
		h.expect(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "sam", IDs: []string{"GO-2026-0003"}, Justification: "x"}, "GO-2026-0003 does not block")
		h.expect(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "sam", IDs: []string{"CVE-2026-0001"}}, "written justification")
		h.mustUpdate(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "sam", IDs: []string{"CVE-2026-0001"}, Justification: "the handler is internal; fix in v1.102.0"})
	})
	h.approveAll(10*time.Minute, 20*time.Minute)
	var prodBlocked StageStatus
	h.at(time.Hour, func() {
		st := h.status()
		prodBlocked = *st.stage(StageCanary)
		h.mustUpdate(contract.AllowVulnerabilities, VulnExceptionRequest{Person: "sasha", IDs: []string{"GO-2026-0002"}, Justification: "not reachable from the internet"})
	})
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withVulnGate))
	st, err := h.result()
	if err != nil || st.State != Succeeded {
		t.Fatalf("state %s, error %v: want succeeded", st.State, err)
	}
	if prodBlocked.State != Blocked || !strings.Contains(prodBlocked.Detail, "before prod by GO-2026-0002") || strings.Contains(prodBlocked.Detail, "GO-2026-0001") {
		t.Errorf("canary stage at 1h: %+v, want blocked before prod by the new GO-2026-0002 only", prodBlocked)
	}
	scans := h.called(contract.ScanName)
	if len(scans) != 4 || scans[0].req.(contract.ScanRequest).Env != "" || scans[3].req.(contract.ScanRequest).Env != config.Prod {
		t.Fatalf("scans: %d, want each of the 2 images after the build and again before prod", len(scans))
	}
	for _, d := range h.called(contract.DeployName) {
		if d.req.(contract.DeployRequest).Env == config.Prod && d.at.Before(thursday2pm.Add(time.Hour)) {
			t.Errorf("prod deployed at %s, before the exception for GO-2026-0002", d.at)
		}
	}
	if len(st.VulnExceptions) != 2 || st.VulnExceptions[0].Person != "sam" || st.VulnExceptions[1].IDs[0] != "GO-2026-0002" {
		t.Errorf("exceptions: %+v", st.VulnExceptions)
	}
	if len(st.Scans) != 4 {
		t.Errorf("scans in status: %d, want 4", len(st.Scans))
	}
	for _, want := range []string{"## Vulnerability exceptions", "CVE-2026-0001 let through by sam", "GO-2026-0002 let through by sasha"} {
		if !strings.Contains(st.Notes, want) {
			t.Errorf("notes do not say %q:\n%s", want, st.Notes)
		}
	}
}

// An abort ends a blocked release; no exception is needed.
func TestVulnGate_abort_ends_a_blocked_release(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.findings = map[string][]contract.Finding{"": {{ID: "GO-2026-0001", Module: "stdlib", Version: "v1.26.8", Via: "sbom", Blocks: true}}}
	h.at(time.Hour, func() { h.mustUpdate(contract.Abort, AbortRequest{Person: "alice", Reason: "fixing the dependency"}) })
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, withVulnGate))
	st, _ := h.result()
	if st.State != Aborted || len(h.called(contract.DeployName)) != 0 {
		t.Fatalf("state %s, %d deploys: want aborted before any deploy", st.State, len(h.called(contract.DeployName)))
	}
}

// A pipeline without the gate has no scan stage and scans nothing.
func TestVulnGate_off_without_security(t *testing.T) {
	h := newHarness(t, thursday2pm)
	h.approveAll(time.Hour, 2*time.Hour)
	h.env.ExecuteWorkflow(ReleaseWorkflow, input(t, nil))
	st, err := h.result()
	if err != nil || st.stage(StageScan) != nil || len(h.called(contract.ScanName)) != 0 {
		t.Fatalf("error %v, scan stage %v, %d scans: want no gate", err, st.stage(StageScan), len(h.called(contract.ScanName)))
	}
}
