package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// syntheticVulnDB writes n OSV records in the Go vulnerability database's
// own layout (index/db.json, index/modules.json, ID/*.json), as
// vuln.go.dev's vulndb.zip unpacks: a tenth on standard library packages
// the example does not link, the rest on modules it does not use, the
// size of the real database.
func syntheticVulnDB(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	for _, d := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	modified := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	type vuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Fixed    string    `json:"fixed,omitempty"`
	}
	modules := map[string][]vuln{}
	for i := range n {
		id := fmt.Sprintf("GO-2026-%05d", i)
		module, pkg := fmt.Sprintf("example.com/m%d", i%800), fmt.Sprintf("example.com/m%d/p", i%800)
		if i%10 == 0 {
			module, pkg = "stdlib", "net/smtp"
		}
		rec := map[string]any{
			"schema_version": "1.3.1", "id": id, "modified": modified, "published": modified, "details": "synthetic",
			"affected": []any{map[string]any{
				"package":            map[string]any{"ecosystem": "Go", "name": module},
				"ranges":             []any{map[string]any{"type": "SEMVER", "events": []any{map[string]any{"introduced": "0"}, map[string]any{"fixed": "1.99.0"}}}},
				"ecosystem_specific": map[string]any{"imports": []any{map[string]any{"path": pkg, "symbols": []string{fmt.Sprintf("F%d", i)}}}},
			}},
		}
		writeJSON(b, filepath.Join(dir, "ID", id+".json"), rec)
		modules[module] = append(modules[module], vuln{ID: id, Modified: modified, Fixed: "1.99.0"})
	}
	var index []map[string]any
	for path, vulns := range modules {
		index = append(index, map[string]any{"path": path, "vulns": vulns})
	}
	writeJSON(b, filepath.Join(dir, "index", "modules.json"), index)
	writeJSON(b, filepath.Join(dir, "index", "db.json"), map[string]any{"modified": modified})
	return dir
}

func writeJSON(b *testing.B, path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVulnGate measures the vulnerability gate on the example
// product's three images against a database the size of the Go
// vulnerability database (4,000 records), beside the build stage of the
// same images: each iteration builds the three services in parallel, as
// the build stage does, signs them (not counted; the sign stage leaves each
// binary for the gate), then scans them in parallel, as the gate does.
// gate/build is the gate's time as a share of the build stage's.
//
//	go test ./tests/ -run '^$' -bench BenchmarkVulnGate -benchtime 5x
func BenchmarkVulnGate(b *testing.B) {
	builder, signer, commit, remoteURL := imagesBench(b)
	policy := config.Vulnerabilities{Database: syntheticVulnDB(b, 4000)}
	services := []string{"auth-server", "api", "content-server"}

	var build, gate time.Duration
	n := 0
	// One release is not counted: it compiles what the build cache does
	// not hold yet and opens the signing key, which a sign worker does
	// once (its sign stage opened it before the gate).
	round := func(counted bool) {
		n++
		version := fmt.Sprintf("v1.%d.0", n)
		arts := make([]contract.Artifact, len(services))
		start := time.Now()
		each(b, len(services), func(env *testsuite.TestActivityEnvironment, i int) error {
			env.RegisterActivity(builder.Build)
			v, err := env.ExecuteActivity(builder.Build, contract.BuildRequest{Product: "shop", Version: version, Commit: commit, RepoURL: remoteURL,
				Service: services[i], Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/" + services[i]}, Number: n})
			if err != nil {
				return err
			}
			return v.Get(&arts[i])
		})
		built := time.Since(start)
		// The sign stage, not counted: it leaves each binary for the gate.
		each(b, len(services), func(env *testsuite.TestActivityEnvironment, i int) error {
			env.RegisterActivity(signer.Sign)
			_, err := env.ExecuteActivity(signer.Sign, contract.SignRequest{Product: "shop", Version: version, Commit: commit, RepoURL: remoteURL, Artifact: arts[i],
				Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/" + services[i]}, Invocation: "bench", KeepBinary: true})
			return err
		})
		start = time.Now()
		each(b, len(services), func(env *testsuite.TestActivityEnvironment, i int) error {
			env.RegisterActivity(signer.Scan)
			v, err := env.ExecuteActivity(signer.Scan, contract.ScanRequest{Product: "shop", Version: version, Commit: commit, Artifact: arts[i],
				Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/" + services[i]}, Policy: policy})
			if err != nil {
				return err
			}
			var res contract.ScanResult
			if err := v.Get(&res); err != nil {
				return err
			}
			if len(res.Blocking()) != 0 {
				return fmt.Errorf("%s: the synthetic database blocks: %+v", services[i], res.Blocking())
			}
			return nil
		})
		if counted {
			build += built
			gate += time.Since(start)
		}
	}
	round(false)
	runs := 0
	for b.Loop() {
		round(true)
		runs++
	}
	b.ReportMetric(build.Seconds()/float64(runs), "build-s/op")
	b.ReportMetric(gate.Seconds()/float64(runs), "gate-s/op")
	b.ReportMetric(100*gate.Seconds()/build.Seconds(), "gate/build-%")
}

// each runs fn for 0..n-1 in parallel, each in its own activity
// environment, and fails b on any error.
func each(b *testing.B, n int, fn func(*testsuite.TestActivityEnvironment, int) error) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s testsuite.WorkflowTestSuite
			if err := fn(s.NewTestActivityEnvironment(), i); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}
