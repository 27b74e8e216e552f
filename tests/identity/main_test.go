// Package identity tests signed requests end to end: the CLI as a process
// signs through a real ssh-agent or a key file, the workflows verify, and
// ssh-keygen checks the exported approvals.
package identity

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
