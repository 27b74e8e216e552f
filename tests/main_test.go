// Package tests holds Signalman's end-to-end tests of releases, Slack and
// GitHub, bad input, the replay of recorded histories and the history
// budget, and the benchmarks; the deploy, train, chaos, cluster and
// first-hour (Quick start, init, demo) tests have packages of their own so
// that each package stays well inside go test's time limit. What they
// share is in tests/e2e.
package tests

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
