package artifact

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

func testProvenanceInput() ProvenanceInput {
	return ProvenanceInput{
		Source: Source{
			Service:    "auth-server",
			Version:    "v1.101.0",
			Commit:     testCommit,
			Repository: "https://git.example.com/shop/shop",
		},
		Tag:          "v1.101.0",
		Context:      "services/auth",
		Package:      "./cmd/auth-server",
		GoVersion:    "go1.26.8",
		Flags:        GoFlags("v1.101.0"),
		InvocationID: "release/shop/v1.101.0/build/auth-server",
		StartedOn:    time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC),
		FinishedOn:   time.Date(2026, 3, 14, 15, 1, 0, 0, time.UTC),
	}
}

func TestProvenance(t *testing.T) {
	doc, err := Provenance(testProvenanceInput())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"buildDefinition.buildType":                               BuildTypeGo,
		"buildDefinition.externalParameters.repository":           "https://git.example.com/shop/shop",
		"buildDefinition.externalParameters.ref":                  "v1.101.0",
		"buildDefinition.externalParameters.service":              "auth-server",
		"buildDefinition.externalParameters.package":              "./cmd/auth-server",
		"buildDefinition.internalParameters.goVersion":            "go1.26.8",
		"buildDefinition.resolvedDependencies.0.uri":              "git+https://git.example.com/shop/shop@v1.101.0",
		"buildDefinition.resolvedDependencies.0.digest.gitCommit": testCommit,
		"runDetails.builder.id":                                   DefaultBuilderID,
		"runDetails.metadata.invocationId":                        "release/shop/v1.101.0/build/auth-server",
		"runDetails.metadata.startedOn":                           "2026-03-14T15:00:00Z",
		"runDetails.metadata.finishedOn":                          "2026-03-14T15:01:00Z",
		"buildDefinition.internalParameters.flags.0":              "-trimpath",
		"buildDefinition.externalParameters.dockerfile":           nil,
		"buildDefinition.externalParameters.version":              "v1.101.0",
		"buildDefinition.externalParameters.context":              "services/auth",
		"buildDefinition.internalParameters.flags.3":              "-w -X main.version=v1.101.0",
		"buildDefinition.resolvedDependencies.1":                  nil,
	}
	for path, want := range checks {
		if v := lookup(got, path); v != want {
			t.Errorf("%s = %v, want %v", path, v, want)
		}
	}

	commit, err := ProvenanceCommit(doc)
	if err != nil || commit != testCommit {
		t.Errorf("ProvenanceCommit = %q, %v; want %s", commit, err, testCommit)
	}
}

func TestProvenanceOfDockerBuild(t *testing.T) {
	p := testProvenanceInput()
	p.Package, p.GoVersion, p.Flags = "", "", nil
	p.Dockerfile = "Dockerfile"
	doc, err := Provenance(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	if v := lookup(got, "buildDefinition.buildType"); v != BuildTypeDocker {
		t.Errorf("build type %v, want %s", v, BuildTypeDocker)
	}
	if v := lookup(got, "buildDefinition.externalParameters.dockerfile"); v != "Dockerfile" {
		t.Errorf("dockerfile %v", v)
	}
	if v := lookup(got, "buildDefinition.internalParameters"); v != nil {
		t.Errorf("internal parameters %v, want none", v)
	}
}

func TestProvenanceRefusesBadInput(t *testing.T) {
	for name, change := range map[string]func(*ProvenanceInput){
		"short_commit":  func(p *ProvenanceInput) { p.Commit = "0123456" },
		"no_repository": func(p *ProvenanceInput) { p.Repository = "" },
	} {
		t.Run(name, func(t *testing.T) {
			p := testProvenanceInput()
			change(&p)
			if _, err := Provenance(p); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("got %v, want ErrInvalidInput", err)
			}
		})
	}
}

func TestProvenanceCommitInStatement(t *testing.T) {
	pred, err := Provenance(testProvenanceInput())
	if err != nil {
		t.Fatal(err)
	}
	digest := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}
	st, err := Statement(PredicateSLSAProvenance, pred, "registry.example.com/shop/auth-server", digest)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(st, &got); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]any{
		"_type":                   StatementType,
		"predicateType":           PredicateSLSAProvenance,
		"subject.0.name":          "registry.example.com/shop/auth-server",
		"subject.0.digest.sha256": digest.Hex,
	} {
		if v := lookup(got, path); v != want {
			t.Errorf("%s = %v, want %v", path, v, want)
		}
	}
	commit, err := ProvenanceCommit(st)
	if err != nil || commit != testCommit {
		t.Errorf("ProvenanceCommit of the statement = %q, %v; want %s", commit, err, testCommit)
	}
}

func TestProvenanceCommitRefuses(t *testing.T) {
	other := strings.Repeat("f", 40)
	tests := map[string]string{
		"not_json":          `{`,
		"no_dependencies":   `{"buildDefinition":{}}`,
		"no_git_commit":     `{"buildDefinition":{"resolvedDependencies":[{"uri":"x","digest":{"sha256":"aa"}}]}}`,
		"short_commit":      `{"buildDefinition":{"resolvedDependencies":[{"uri":"x","digest":{"gitCommit":"abc"}}]}}`,
		"two_commits":       `{"buildDefinition":{"resolvedDependencies":[{"uri":"a","digest":{"gitCommit":"` + testCommit + `"}},{"uri":"b","digest":{"gitCommit":"` + other + `"}}]}}`,
		"statement_no_pred": `{"_type":"` + StatementType + `","predicate":{}}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if c, err := ProvenanceCommit([]byte(doc)); err == nil {
				t.Errorf("got commit %q, want an error", c)
			}
		})
	}
}

func TestStatementRefusesBadInput(t *testing.T) {
	if _, err := Statement(PredicateCycloneDX, []byte("{"), "x", v1.Hash{Algorithm: "sha256", Hex: "aa"}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("predicate that is not JSON: got %v", err)
	}
	if _, err := Statement(PredicateCycloneDX, []byte("{}"), "x", v1.Hash{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("no digest: got %v", err)
	}
}

func FuzzProvenanceCommit(f *testing.F) {
	pred, err := Provenance(testProvenanceInput())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pred)
	f.Add([]byte(`{"_type":"x","predicate":{"buildDefinition":{"resolvedDependencies":[{"digest":{"gitCommit":"` + testCommit + `"}}]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		commit, err := ProvenanceCommit(doc)
		if err == nil && !gitCommit.MatchString(commit) {
			t.Errorf("accepted commit %q", commit)
		}
	})
}

// lookup follows a dotted path of object keys and array indexes in v.
func lookup(v any, path string) any {
	for _, key := range strings.Split(path, ".") {
		switch n := v.(type) {
		case map[string]any:
			v = n[key]
		case []any:
			i := 0
			for _, c := range key {
				if c < '0' || c > '9' {
					return nil
				}
				i = i*10 + int(c-'0')
			}
			if i >= len(n) {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
}
