package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// writeOSV writes an OSV record on the standard library (every version
// before 1.99.0) into the flat database dir: with symbols, only a binary
// that links one of them is affected.
func writeOSV(t *testing.T, dir, id, severity, pkg string, symbols ...string) {
	t.Helper()
	affected := map[string]any{
		"package": map[string]any{"ecosystem": "Go", "name": "stdlib"},
		"ranges":  []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "1.99.0"}}}},
	}
	if pkg != "" {
		affected["ecosystem_specific"] = map[string]any{"imports": []any{map[string]any{"path": pkg, "symbols": symbols}}}
	}
	rec := map[string]any{"schema_version": "1.3.1", "id": id, "modified": time.Now().UTC().Format(time.RFC3339),
		"published": time.Now().UTC().Format(time.RFC3339), "details": "made by the test", "affected": []any{affected}}
	if severity != "" {
		rec["database_specific"] = map[string]any{"severity": severity}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVulnerabilityGate releases the example's api through the real CLI
// and a worker process with the vulnerability gate on: a record on a
// symbol the binary links blocks the release before stage (a record on
// one it does not link does not), the trigger cannot let it through and
// an SRE can; a critical record published while the release waits for
// its approvals blocks prod until a second exception; both are in the
// status, the notes and signed vuln attestations on the image.
func TestVulnerabilityGate(t *testing.T) {
	s := e2e.NewStack(t)
	e2e.StartWorker(t, s)
	_, remote, _ := e2e.ExampleRepo(t, nil)
	db := t.TempDir()
	writeOSV(t, db, "GO-2026-9101", "", "net/http", "NewServeMux")
	writeOSV(t, db, "GO-2026-9102", "", "net/smtp", "SendMail")
	pipeline := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+fmt.Sprintf(`environments:
  stage:
    signoffs:
      - role: qa
  prod:
    window: always
    signoffs:
      - role: sre
approvers:
  qa: [quinn]
  sre: [sam]
release:
  ship_delay: 0s
security:
  vulnerabilities:
    database: %s
`, db))
	const v = "v1.31.0"
	addr := s.Srv.Addr
	e2e.MustCLI(t, addr, "release", "start", v, "--config", pipeline, "--as", "rita")

	blockedAt := func(stage string) workflows.Status {
		var st workflows.Status
		e2e.Eventually(t, 4*time.Minute, v+" blocked at "+stage, func() (bool, string) {
			var err error
			if st, err = e2e.Status(t, addr, v); err != nil {
				return false, err.Error()
			}
			if st.Finished() {
				t.Fatalf("release ended (%s) before %s blocked it: %s", st.State, stage, st.Error)
			}
			s := st.StageNamed(stage)
			return s != nil && s.State == workflows.Blocked, st.Stage + " " + st.State
		})
		return st
	}
	st := blockedAt(workflows.StageScan)
	detail := st.StageNamed(workflows.StageScan).Detail
	if !strings.Contains(detail, "GO-2026-9101") || !strings.Contains(detail, "reaches net/http.NewServeMux") || !strings.Contains(detail, "fixed in v1.99.0") || strings.Contains(detail, "GO-2026-9102") {
		t.Fatalf("scan stage says %q; want GO-2026-9101 reaching net/http.NewServeMux, fixed in v1.99.0, and not the unlinked GO-2026-9102", detail)
	}
	if out := e2e.MustCLI(t, addr, "status", v, "--product", "shop"); !strings.Contains(out, "blocked") || !strings.Contains(out, "GO-2026-9101") {
		t.Errorf("status does not show the block:\n%s", out)
	}
	if r := e2e.CLI(t, addr, "allow-vulnerabilities", v, "--product", "shop", "--id", "GO-2026-9101", "--justification", "mine", "--as", "rita"); r.Code == 0 || !strings.Contains(r.Stderr, "rita triggered this release") {
		t.Errorf("the trigger's exception: exit %d, %s; want refused", r.Code, r.Stderr)
	}
	e2e.MustCLI(t, addr, "allow-vulnerabilities", v, "--product", "shop", "--id", "GO-2026-9101", "--justification", "the mux serves internal routes only", "--as", "sam")
	e2e.WaitForStage(t, addr, v, workflows.StageQASignoff, 4*time.Minute)

	// Published while the release waits for QA: it blocks prod.
	writeOSV(t, db, "GO-2026-9103", "CRITICAL", "")
	e2e.MustCLI(t, addr, "signoff", v, "--product", "shop", "--env", "stage", "--verdict", "green", "--as", "quinn")
	e2e.WaitForStage(t, addr, v, workflows.StageApproval, 2*time.Minute)
	e2e.MustCLI(t, addr, "approve", v, "--product", "shop", "--as", "sam")
	st = blockedAt(workflows.StageCanary)
	if d := st.StageNamed(workflows.StageCanary).Detail; !strings.Contains(d, "before prod by GO-2026-9103 (critical") || strings.Contains(d, "GO-2026-9101") {
		t.Fatalf("canary stage says %q; want blocked before prod by the new GO-2026-9103 alone", d)
	}
	e2e.MustCLI(t, addr, "allow-vulnerabilities", v, "--product", "shop", "--id", "GO-2026-9103", "--justification", "no stdlib build with the fix yet; INC-2210", "--as", "sam")
	st = e2e.WaitFinished(t, s, v)
	if st.State != workflows.Succeeded {
		t.Fatalf("release %s: %s", st.State, st.Error)
	}
	if len(st.VulnExceptions) != 2 || len(st.Scans) != 2 || st.Scans[1].Env != "prod" {
		t.Errorf("status: exceptions %+v, scans %d; want two exceptions and a scan after the build and before prod", st.VulnExceptions, len(st.Scans))
	}
	for _, want := range []string{"GO-2026-9101 let through by sam at", "GO-2026-9103 let through by sam at", "no stdlib build with the fix yet; INC-2210"} {
		if !strings.Contains(st.Notes, want) {
			t.Errorf("notes do not say %q:\n%s", want, st.Notes)
		}
	}

	// The image carries the verdicts, signed by the release key: the
	// newest is prod's.
	pem, err := os.ReadFile(filepath.Join(s.Keys, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := signature.LoadVerifier(pem)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewDigest(st.Artifacts[0].Ref(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := verifier.Attestation(context.Background(), ref, contract.PredicateVuln)
	if err != nil {
		t.Fatalf("no signed vuln attestation on %s: %v", ref, err)
	}
	if !strings.Contains(string(pred), "GO-2026-9103") || !strings.Contains(string(pred), "env=prod") {
		t.Errorf("newest vuln attestation is not prod's verdict: %s", pred)
	}
}
