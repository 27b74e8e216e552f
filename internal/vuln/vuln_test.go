package vuln

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// record is an OSV record on module, vulnerable below 1.5.0; with pkg,
// only that package's symbols are.
func record(t *testing.T, dir, id, module, pkg string) {
	t.Helper()
	affected := map[string]any{
		"package": map[string]any{"ecosystem": "Go", "name": module},
		"ranges":  []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": "1.0.0"}, map[string]any{"fixed": "1.5.0"}}}},
	}
	if pkg != "" {
		affected["ecosystem_specific"] = map[string]any{"imports": []any{map[string]any{"path": pkg, "symbols": []string{"Parse"}}}}
	}
	data, err := json.Marshal(map[string]any{
		"schema_version": "1.3.1", "id": id, "modified": "2026-11-30T10:00:00Z", "published": "2026-11-30T10:00:00Z",
		"details": "made by the test", "affected": []any{affected},
		"database_specific": map[string]any{"severity": "MODERATE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The SBOM check goes through govulncheck's query mode: the versions an
// SBOM lists are matched against the records' ranges by x/vuln, not here.
func TestPackages_matches_SBOM_versions_against_records(t *testing.T) {
	dir := t.TempDir()
	record(t, dir, "GO-2026-0101", "example.com/lib", "")
	record(t, dir, "GO-2026-0102", "example.com/lib", "example.com/lib/parse")
	record(t, dir, "GO-2026-0103", "example.com/other", "")
	sbom := []byte(`{"bomFormat":"CycloneDX","components":[
		{"name":"example.com/lib","purl":"pkg:golang/example.com/lib@v1.2.0"},
		{"name":"example.com/other","purl":"pkg:golang/example.com/other@v1.5.0"},
		{"name":"app.txt","type":"file"}]}`)
	mods, err := GoModules(sbom)
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 2 || mods[0] != (Module{"example.com/lib", "v1.2.0"}) {
		t.Fatalf("modules of the SBOM: got %+v", mods)
	}
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(hits []Hit) map[string]Hit {
		m := map[string]Hit{}
		for _, h := range hits {
			m[h.ID] = h
		}
		return m
	}
	all, err := db.Packages(context.Background(), mods, false)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(all)
	if len(got) != 2 {
		t.Fatalf("every record: got %v, want GO-2026-0101 and GO-2026-0102 (other@v1.5.0 is fixed)", got)
	}
	h := got["GO-2026-0101"]
	if h.Via != ViaSBOM || h.Fixed != "v1.5.0" || h.Severity != "medium" || h.Version != "v1.2.0" {
		t.Fatalf("GO-2026-0101: got %+v", h)
	}
	whole, err := db.Packages(context.Background(), mods, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(whole); len(got) != 1 || got["GO-2026-0101"].ID == "" {
		t.Fatalf("records on whole modules only: got %v, want GO-2026-0101 alone (GO-2026-0102 names a package, left to the binary)", got)
	}
}

func TestOpen_refuses_what_is_not_a_directory(t *testing.T) {
	f := filepath.Join(t.TempDir(), "db.json")
	os.WriteFile(f, []byte("{}"), 0o644)
	if _, err := Open(f); err == nil {
		t.Fatal("a file was taken for a database")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Fatal("a missing directory was taken for a database")
	}
}
