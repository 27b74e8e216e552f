package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// release builds a status whose stages before at are done and at is in state.
func release(at, state, detail string) workflows.Status {
	st := workflows.Status{Product: "shop", Version: "v1.3.0", Train: 3, TriggeredBy: "alice", State: workflows.Running, Stage: at}
	t0 := time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)
	reached := false
	for _, name := range workflows.Stages {
		s := workflows.StageStatus{Name: name, State: workflows.Pending}
		switch {
		case name == at:
			s.State, s.Detail, s.Started = state, detail, t0
			reached = true
		case !reached:
			s.State, s.Started, s.Ended, s.Detail = workflows.Done, t0, t0.Add(time.Second), name+" ok"
		}
		st.Stages = append(st.Stages, s)
	}
	return st
}

func TestProgress(t *testing.T) {
	steps := []workflows.Status{
		release(workflows.StageTag, workflows.Running, ""),
		release(workflows.StageTag, workflows.Running, ""),
		release(workflows.StageTest, workflows.Running, ""),
		release(workflows.StageQASignoff, workflows.Waiting, "waiting for qa x1"),
		release(workflows.StageQASignoff, workflows.Waiting, "waiting for qa x1"),
	}
	retrying := release(workflows.StageQASignoff, workflows.Waiting, "waiting for qa x1")
	retrying.Retrying = []workflows.Retry{{Activity: "Notify", Workflow: "release/shop/v1.3.0", Attempt: 3, LastFailure: "slack: ratelimited"}}
	steps = append(steps, retrying, retrying)
	end := release(workflows.StageAnnounce, workflows.Done, "")
	end.State = workflows.Succeeded
	end.Deploys = []workflows.DeployResult{{Service: "api", Env: "prod", Verdicts: []contract.Verdict{
		{Weight: 10, Class: contract.Pass, Score: 100, Detail: "pass, score 100: error_rate pass; latency pass"},
	}}}
	steps = append(steps, end, end)

	t.Run("without_a_terminal_each_change_is_one_line_once", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out, false, "")
		for _, st := range steps {
			p.show(st)
		}
		text := out.String()
		if strings.Contains(text, "STAGE") || strings.Contains(text, "\033[") {
			t.Errorf("a table or a terminal escape in the log:\n%s", text)
		}
		for _, want := range []string{
			"shop v1.3.0 (train 3): running, triggered by alice",
			"tag: started",
			"tag: done in 1s: tag ok",
			"qa-signoff: waiting: waiting for qa x1",
			"retrying Notify (attempt 3): slack: ratelimited",
			"canary: api on prod at 10%: pass, score 100: error_rate pass; latency pass",
			"shop v1.3.0 succeeded",
		} {
			if n := strings.Count(text, want); n != 1 {
				t.Errorf("%q printed %d times, want once:\n%s", want, n, text)
			}
		}
		if strings.Contains(text, "pass, score 100: pass, score 100") {
			t.Errorf("the canary verdict is said twice:\n%s", text)
		}
		if n := strings.Count(text, "\n"); n > 25 {
			t.Errorf("%d lines for one short release, want at most 25:\n%s", n, text)
		}
	})
	t.Run("on_a_terminal_the_table_is_redrawn_only_when_it_changes", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out, true, "header\n")
		for _, st := range steps[:2] {
			p.show(st)
		}
		if n := strings.Count(out.String(), "\033[H\033[2J"); n != 1 {
			t.Errorf("redrawn %d times for one status shown twice, want once", n)
		}
		if !strings.Contains(out.String(), "STAGE") || !strings.HasPrefix(out.String(), "\033[H\033[2Jheader\n") {
			t.Errorf("no table under the header:\n%s", out.String())
		}
	})
}

func TestPrintStatus_retrying_stage_says_why(t *testing.T) {
	st := release(workflows.StageTag, workflows.Running, "")
	st.Retrying = []workflows.Retry{{Activity: "Tag", Attempt: 11, LastFailure: "fatal: unable to access 'http://git.example.com/shop.git/'",
		NextAttempt: time.Now().Add(40 * time.Second)}}
	var out bytes.Buffer
	printStatus(&out, st)
	var tagRow string
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "tag ") {
			tagRow = line
		}
	}
	if !strings.Contains(tagRow, "Tag (attempt 11): fatal: unable to access") {
		t.Errorf("tag row %q does not say which step fails and why", tagRow)
	}
	if !strings.Contains(tagRow, "next try in 40s") && !strings.Contains(tagRow, "next try in 39s") {
		t.Errorf("tag row %q does not say when the next try is", tagRow)
	}
}

func TestPrintStatus_long_local_activity_says_since_when(t *testing.T) {
	st := release(workflows.StageDeployStage, workflows.Running, "")
	since := time.Now().Add(-3 * time.Minute)
	st.Retrying = []workflows.Retry{{Activity: "ClaimEnv", Workflow: "release/shop/v1.3.0", LocalSince: since}}
	var out bytes.Buffer
	printStatus(&out, st)
	text := out.String()
	want := "ClaimEnv has run in the orchestrate worker since " + since.Local().Format("15:04:05")
	if !strings.Contains(text, want) {
		t.Errorf("status does not say %q:\n%s", want, text)
	}
	if strings.Contains(text, "(attempt") || strings.Contains(text, "next try") {
		t.Errorf("status claims to know a local activity's attempts:\n%s", text)
	}
}
