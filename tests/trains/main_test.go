// Package trains tests release trains end to end: cuts, dot releases, hotfix
// fan-out, continue-as-new, and the daily candidate's schedule with a
// production freeze.
package trains

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
