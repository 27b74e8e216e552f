// Package cluster tests Signalman in its production shape: Temporal on
// PostgreSQL with two server processes forming one cluster, and one worker
// process per role, each holding only its own secret.
package cluster

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
