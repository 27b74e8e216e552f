// Package environments tests, end to end, releases through any number of
// environments, the change preview their approvers see, and the bake of a
// production deploy.
package environments

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
