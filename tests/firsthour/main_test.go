// Package firsthour holds the end-to-end tests of what a new user meets
// first: README.md's Quick start followed word for word, `signalman init`,
// and `signalman demo` writing to a log. They have a package of their own
// so that each end-to-end package stays well inside go test's time limit.
package firsthour

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
