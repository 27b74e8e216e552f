// Package deploys tests deploys end to end: the process and docker targets,
// canaries, smoke tests and rollbacks, each a real release through the CLI
// and a worker process.
package deploys

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
