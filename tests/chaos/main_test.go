// Package chaos releases the example product while the worker is killed and
// the Temporal server restarted at random stages, and checks that every side
// effect happens exactly once.
package chaos

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
