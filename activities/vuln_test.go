package activities

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// osvRecord is an OSV record on the standard library for the test's
// database: with symbols, only a binary that links one of them is
// affected; without, every version below fixed is.
func osvRecord(id, severity, pkg string, symbols ...string) map[string]any {
	affected := map[string]any{
		"package": map[string]any{"ecosystem": "Go", "name": "stdlib"},
		"ranges":  []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "1.99.0"}}}},
	}
	if pkg != "" {
		affected["ecosystem_specific"] = map[string]any{"imports": []any{map[string]any{"path": pkg, "symbols": symbols}}}
	}
	rec := map[string]any{
		"schema_version": "1.3.1",
		"id":             id,
		"modified":       "2026-11-30T10:00:00Z",
		"published":      "2026-11-30T10:00:00Z",
		"aliases":        []string{"CVE-" + strings.TrimPrefix(id, "GO-")},
		"summary":        "test vulnerability " + id,
		"details":        "made by the test",
		"affected":       []any{affected},
	}
	if severity != "" {
		rec["database_specific"] = map[string]any{"severity": severity}
	}
	return rec
}

// vulnDB writes records as a flat directory of OSV files, as osv.dev's
// export of an ecosystem unpacks.
func vulnDB(t *testing.T, records ...map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	for _, r := range records {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, r["id"].(string)+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func (im *images) scanReq(a contract.Artifact, policy config.Vulnerabilities) contract.ScanRequest {
	return contract.ScanRequest{Product: "shop", Version: "v1.12.0", Commit: im.commit, Artifact: a, Policy: policy,
		Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/api"}}
}

func TestScan_judges_reach_versions_ignores_and_attests(t *testing.T) {
	im := newImages(t)
	a, err := runActivity(t, im.builder.Build, im.buildReq(1))
	if err != nil {
		t.Fatal(err)
	}
	// The api binary links net/http's NewServeMux (its main calls it) and
	// no net/smtp at all.
	reached := osvRecord("GO-2026-9001", "", "net/http", "NewServeMux")
	unreached := osvRecord("GO-2026-9002", "", "net/smtp", "SendMail")
	whole := osvRecord("GO-2026-9003", "CRITICAL", "")
	low := osvRecord("GO-2026-9004", "LOW", "")
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	nextWeek := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)

	scan := func(t *testing.T, policy config.Vulnerabilities) contract.ScanResult {
		t.Helper()
		res, err := runActivity(t, im.signer.Scan, im.scanReq(a, policy))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	finding := func(res contract.ScanResult, id string) (contract.Finding, bool) {
		for _, f := range res.Findings {
			if f.ID == id {
				return f, true
			}
		}
		return contract.Finding{}, false
	}

	t.Run("a reached symbol blocks, an unreached one does not", func(t *testing.T) {
		res := scan(t, config.Vulnerabilities{Database: vulnDB(t, reached, unreached)})
		f, ok := finding(res, "GO-2026-9001")
		if !ok || !f.Blocks || f.Via != "binary" || f.Symbol != "net/http.NewServeMux" || f.Module != "stdlib" || f.Fixed != "v1.99.0" {
			t.Fatalf("reached record: got %+v (found %v), want a blocking finding reaching net/http.NewServeMux, fixed in v1.99.0", f, ok)
		}
		if f, ok := finding(res, "GO-2026-9002"); ok {
			t.Fatalf("a record on net/smtp.SendMail, which the binary does not link, was found: %+v", f)
		}
		if res.Database.IsZero() || res.Digest != a.Digest {
			t.Fatalf("result does not say which database judged which image: %+v", res)
		}
	})
	t.Run("a record on a whole module version blocks by severity", func(t *testing.T) {
		res := scan(t, config.Vulnerabilities{Database: vulnDB(t, whole, low)})
		f, ok := finding(res, "GO-2026-9003")
		if !ok || !f.Blocks || f.Severity != "critical" || f.Version == "" {
			t.Fatalf("whole-module record: got %+v (found %v), want a blocking critical finding", f, ok)
		}
		f, ok = finding(res, "GO-2026-9004")
		if !ok || f.Blocks || f.Severity != "low" {
			t.Fatalf("low record under block: high: got %+v (found %v), want found and not blocking", f, ok)
		}
		res = scan(t, config.Vulnerabilities{Database: vulnDB(t, low), Block: "low"})
		if f, _ := finding(res, "GO-2026-9004"); !f.Blocks {
			t.Fatalf("low record under block: low does not block: %+v", f)
		}
	})
	t.Run("an ignore passes until it expires, by ID or alias", func(t *testing.T) {
		db := vulnDB(t, reached)
		res := scan(t, config.Vulnerabilities{Database: db, Ignore: []config.VulnIgnore{{ID: "CVE-2026-9001", Reason: "handler is internal", Until: nextWeek}}})
		f, _ := finding(res, "GO-2026-9001")
		if f.Blocks || !strings.Contains(f.Ignored, "handler is internal") {
			t.Fatalf("ignored until next week: got %+v, want passing with the ignore's reason", f)
		}
		res = scan(t, config.Vulnerabilities{Database: db, Ignore: []config.VulnIgnore{{ID: "GO-2026-9001", Reason: "handler is internal", Until: yesterday}}})
		if f, _ := finding(res, "GO-2026-9001"); !f.Blocks || f.Ignored != "" {
			t.Fatalf("ignore expired yesterday: got %+v, want blocking again", f)
		}
	})
	t.Run("the verdict is a signed vuln attestation on the image", func(t *testing.T) {
		// A record of its own: an identical verdict is attested once.
		scan(t, config.Vulnerabilities{Database: vulnDB(t, osvRecord("GO-2026-9005", "", "net/http", "NewServeMux"))})
		pem, err := os.ReadFile(im.signer.PublicKeyFile)
		if err != nil {
			t.Fatal(err)
		}
		v, err := signature.LoadVerifier(pem)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := name.NewDigest(a.Ref(), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := v.Attestation(context.Background(), ref, contract.PredicateVuln)
		if err != nil {
			t.Fatalf("no verified vuln attestation: %v", err)
		}
		if !strings.Contains(string(pred), `"verdict":"blocked"`) || !strings.Contains(string(pred), "GO-2026-9005") {
			t.Fatalf("attested predicate does not carry the verdict: %s", pred)
		}
	})
	t.Run("the gate takes the binary the sign stage left, once", func(t *testing.T) {
		req := im.signReq(a)
		req.KeepBinary = true
		if _, err := runActivity(t, func(ctx context.Context, r contract.SignRequest) (struct{}, error) {
			return struct{}{}, im.signer.Sign(ctx, r)
		}, req); err != nil {
			t.Fatal(err)
		}
		left := filepath.Join(im.signer.Dir, "gate", strings.TrimPrefix(a.Digest, "sha256:"))
		if _, err := os.Stat(left); err != nil {
			t.Fatalf("sign left no binary for the gate: %v", err)
		}
		res := scan(t, config.Vulnerabilities{Database: vulnDB(t, reached)})
		if f, ok := finding(res, "GO-2026-9001"); !ok || f.Symbol != "net/http.NewServeMux" {
			t.Fatalf("scan of the kept binary: %+v", res.Findings)
		}
		if _, err := os.Stat(left); !os.IsNotExist(err) {
			t.Errorf("the kept binary is still there after the gate: %v", err)
		}
	})
	t.Run("a missing database is bad input, not retried", func(t *testing.T) {
		_, err := runActivity(t, im.signer.Scan, im.scanReq(a, config.Vulnerabilities{Database: filepath.Join(t.TempDir(), "absent")}))
		if err == nil || !strings.Contains(err.Error(), "security.vulnerabilities.database") {
			t.Fatalf("got %v, want an error naming security.vulnerabilities.database", err)
		}
		var app interface{ NonRetryable() bool }
		if !errors.As(err, &app) || !app.NonRetryable() {
			t.Fatalf("a missing database is retried: %v", err)
		}
	})
}
