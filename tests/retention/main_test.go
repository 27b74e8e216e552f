// Package retention tests garbage collection end to end: real releases,
// the embedded registry, unpacked images and cosign signatures.
package retention

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
