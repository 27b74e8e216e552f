// Package assets tests static assets end to end: releases of the example
// product whose web/static directory goes to S3 buckets on a real S3
// protocol server (gofakes3), through the CLI and worker processes, one
// of them killed in the middle of an upload.
package assets

import (
	"os"
	"testing"

	"github.com/signalman/signalman/tests/e2e"
)

func TestMain(m *testing.M) { os.Exit(e2e.Main(m)) }
