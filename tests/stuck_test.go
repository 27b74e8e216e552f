package tests

import (
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestStuckStages_say_why_and_abort_ends_them releases, through the real CLI
// and a worker process, a product whose repository does not exist and one
// whose repository's server does not answer. The first fails at tag at once
// with git's reason; the second keeps retrying its tag, and `status -o json`
// shows the attempts and the last failure until an abort ends it.
func TestStuckStages_say_why_and_abort_ends_them(t *testing.T) {
	stk := e2e.NewStack(t)
	srv := stk.Srv
	e2e.StartWorker(t, stk)

	missing := filepath.Join(t.TempDir(), "nowhere", "shop.git")
	e2e.MustCLI(t, srv.Addr, "release", "start", "v1.20.0", "--config", pipelineFor(t, missing, "true"), "--as", "alice")
	start := time.Now()
	e2e.Eventually(t, time.Minute, "the release with no repository failed", func() (bool, string) {
		st, err := e2e.Status(t, srv.Addr, "v1.20.0")
		if err != nil {
			return false, err.Error()
		}
		return st.Finished(), st.State + " at " + st.Stage
	})
	st, _ := e2e.Status(t, srv.Addr, "v1.20.0")
	if st.State != workflows.Failed || st.Stage != workflows.StageTag || !strings.Contains(st.Error, "does not exist") {
		t.Errorf("release with no repository: %s at %s, error %q; want failed at tag saying the repository does not exist", st.State, st.Stage, st.Error)
	}
	t.Logf("failed after %s: %s", time.Since(start).Round(time.Millisecond), st.Error)

	// A port nobody listens on: git's connection is refused, which may
	// well pass once the server is up, so the tag retries.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() + "/shop.git"
	l.Close()
	e2e.MustCLI(t, srv.Addr, "release", "start", "v1.21.0", "--config", pipelineFor(t, down, "true"), "--as", "alice")
	var retry workflows.Retry
	e2e.Eventually(t, time.Minute, "status shows the tag retrying", func() (bool, string) {
		out := e2e.CLI(t, srv.Addr, "status", "v1.21.0", "--product", "shop", "-o", "json")
		var st workflows.Status
		if err := json.Unmarshal([]byte(out.Stdout), &st); err != nil {
			return false, out.Stderr
		}
		for _, r := range st.Retrying {
			if r.Activity == "Tag" && r.Attempt >= 3 {
				retry = r
				return true, ""
			}
		}
		return false, out.Stdout
	})
	if retry.Workflow != workflows.ReleaseID("shop", "v1.21.0") || !strings.Contains(retry.LastFailure, l.Addr().String()) {
		t.Errorf("retry = %+v; want the release's Tag with git's failure to reach %s", retry, l.Addr())
	}
	text := e2e.MustCLI(t, srv.Addr, "status", "v1.21.0", "--product", "shop")
	if !strings.Contains(text, "Tag (attempt ") || !strings.Contains(text, "next try") {
		t.Errorf("status does not say the tag is retrying:\n%s", text)
	}

	e2e.MustCLI(t, srv.Addr, "abort", "v1.21.0", "--product", "shop", "--reason", "wrong repository", "--as", "alice")
	aborted := time.Now()
	e2e.Eventually(t, time.Minute, "the abort ended the retrying release", func() (bool, string) {
		st, err := e2e.Status(t, srv.Addr, "v1.21.0")
		if err != nil {
			return false, err.Error()
		}
		return st.Finished(), st.State + " at " + st.Stage
	})
	st, _ = e2e.Status(t, srv.Addr, "v1.21.0")
	if st.State != workflows.Aborted || st.Stages[0].State != workflows.Aborted {
		t.Errorf("after abort: release %s, tag %s; want both aborted", st.State, st.Stages[0].State)
	}
	t.Logf("abort took %s", time.Since(aborted).Round(time.Millisecond))
}
