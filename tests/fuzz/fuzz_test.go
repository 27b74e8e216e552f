// Package fuzz runs the project's fuzz targets briefly, so that CI fuzzes
// every parser and the judge on each run rather than only replaying their
// seed corpora (which plain `go test` does everywhere).
package fuzz

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// targets are the fuzz targets CI runs: the pipeline file parser, version
// and build-tag parsing, deploy-window math, Slack interaction payloads,
// signed statements of people's requests,
// the canary judge's inputs, and the other parsers of outside input.
var targets = []struct{ pkg, name string }{
	{"internal/config", "FuzzParse"},
	{"internal/version", "FuzzParse"},
	{"internal/version", "FuzzParseBuildTag"},
	{"internal/window", "FuzzParseClock"},
	{"internal/window", "FuzzParseDate"},
	{"internal/window", "FuzzParseWeekday"},
	{"internal/window", "FuzzNextOpen"},
	{"internal/notify", "FuzzInteraction"},
	{"internal/identity", "FuzzParse"},
	{"internal/canary", "FuzzMannWhitneyU"},
	{"internal/canary", "FuzzJudge"},
	{"internal/github", "FuzzParseRepo"},
	{"internal/dora", "FuzzParseWindow"},
	{"internal/deploy/router", "FuzzNormalize"},
}

// TestFuzzTargets fuzzes each target for SIGNALMAN_FUZZ_TIME (for example
// 10s). It runs when that variable is set, as CI's .ci/run does; without
// it, plain `go test ./...` already replays every target's seed corpus in
// its own package, and this test skips.
func TestFuzzTargets(t *testing.T) {
	spec := os.Getenv("SIGNALMAN_FUZZ_TIME")
	if spec == "" {
		t.Skip("SIGNALMAN_FUZZ_TIME is not set; the seed corpora run in each package's own tests")
	}
	d, err := time.ParseDuration(spec)
	if err != nil || d <= 0 {
		t.Fatalf("SIGNALMAN_FUZZ_TIME=%q: want a duration such as 10s", spec)
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, tc := range targets {
		t.Run(strings.ReplaceAll(tc.pkg, "/", "_")+"_"+tc.name, func(t *testing.T) {
			// A crash the fuzzer finds is written under the package's
			// testdata/fuzz and fails this test with its input.
			fuzz := func() ([]byte, error) {
				cmd := exec.Command(goBin, "test", "-run", "^$", "-fuzz", "^"+tc.name+"$", "-fuzztime", d.String(), "-parallel", "2", "./"+tc.pkg)
				cmd.Dir = root
				return cmd.CombinedOutput()
			}
			out, err := fuzz()
			if err != nil && !strings.Contains(string(out), "Failing input written to") {
				// Not a finding: the fuzzer's own machinery failed (a worker
				// killed on a loaded machine). Try once more.
				t.Logf("go test -fuzz %s ./%s failed without a finding, trying again: %v\n%s", tc.name, tc.pkg, err, out)
				out, err = fuzz()
			}
			if err != nil {
				t.Fatalf("go test -fuzz %s ./%s: %v\n%s", tc.name, tc.pkg, err, out)
			}
			t.Logf("%s", lastLine(string(out)))
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
