package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signalman/signalman/workflows"
)

// progress shows a release as it changes. On a terminal it redraws the
// whole stage table in place; anywhere else (a file, a CI log) it prints
// one line per change, so a log reads top to bottom without a table at
// every step.
type progress struct {
	out io.Writer
	tty bool
	// header is drawn above the table on a terminal.
	header string

	table string // the table last drawn on a terminal
	prev  *workflows.Status
	seen  map[string]bool // the change lines already printed
}

func newProgress(out io.Writer, tty bool, header string) *progress {
	return &progress{out: out, tty: tty, header: header, seen: map[string]bool{}}
}

// show draws st, or prints what changed since the last st.
func (p *progress) show(st workflows.Status) {
	if p.tty {
		var b strings.Builder
		printStatus(&b, st)
		if out := b.String(); out != p.table {
			fmt.Fprint(p.out, "\033[H\033[2J"+p.header+out)
			p.table = out
		}
		return
	}
	for _, line := range changes(p.prev, st) {
		// A line printed once is not printed again, so a detail that
		// flips back and forth between polls does not fill the log.
		if !p.seen[line] {
			p.seen[line] = true
			fmt.Fprintf(p.out, "%s %s\n", time.Now().Format("15:04:05"), line)
		}
	}
	p.prev = &st
}

// changes lists what is new in st since prev, one line each: the release
// starting, a stage entered, waiting or ended, a step retrying, a canary
// verdict, a refusal, the end.
func changes(prev *workflows.Status, st workflows.Status) []string {
	var out []string
	if prev == nil {
		out = append(out, fmt.Sprintf("%s %s (train %d): %s, triggered by %s", st.Product, st.Version, st.Train, st.State, st.TriggeredBy))
		prev = &workflows.Status{}
	}
	before := map[string]workflows.StageStatus{}
	for _, s := range prev.Stages {
		before[s.Name] = s
	}
	for _, s := range st.Stages {
		b := before[s.Name]
		if s.State == b.State && (s.Detail == b.Detail || !waiting(s.State)) {
			continue
		}
		switch s.State {
		case workflows.Pending:
		case workflows.Running:
			out = append(out, fmt.Sprintf("%s: started", s.Name))
		case workflows.Waiting, workflows.Held, workflows.Blocked:
			out = append(out, fmt.Sprintf("%s: %s: %s", s.Name, s.State, s.Detail))
		default:
			line := fmt.Sprintf("%s: %s", s.Name, s.State)
			if !s.Started.IsZero() && !s.Ended.IsZero() {
				line += fmt.Sprintf(" in %s", s.Ended.Sub(s.Started).Round(100*time.Millisecond))
			}
			if s.Detail != "" {
				line += ": " + s.Detail
			}
			out = append(out, line)
		}
	}
	for _, r := range st.Retrying {
		line := "retrying " + retryLine(r)
		if !retries(r) {
			line = retryLine(r)
		} else if !r.NextAttempt.IsZero() {
			line += "; next try at " + r.NextAttempt.Local().Format("15:04:05")
		}
		out = append(out, line)
	}
	seen := map[string]bool{}
	for _, d := range prev.Deploys {
		for _, v := range d.Verdicts {
			seen[verdictLine(d, v)] = true
		}
	}
	for _, d := range st.Deploys {
		for _, v := range d.Verdicts {
			if line := verdictLine(d, v); !seen[line] {
				out = append(out, line)
			}
		}
		if d.Outcome == workflows.RolledBack {
			out = append(out, fmt.Sprintf("rolled back: %s on %s: %s", d.Service, d.Env, d.Reason))
		}
	}
	if st.DeployPhase != "" && st.DeployPhase != prev.DeployPhase && (strings.Contains(st.DeployPhase, "waiting") || strings.Contains(st.DeployPhase, "too little traffic")) {
		out = append(out, "deploying "+st.DeployPhase)
	}
	for _, r := range st.Refusals[min(len(prev.Refusals), len(st.Refusals)):] {
		out = append(out, fmt.Sprintf("refused %s from %s: %s", r.Message, r.Person, r.Reason))
	}
	if st.Finished() && !prev.Finished() {
		line := fmt.Sprintf("%s %s %s", st.Product, st.Version, st.State)
		if st.Error != "" {
			line += ": " + st.Error
		}
		out = append(out, line)
	}
	return out
}

// waiting reports whether a stage in state waits on people or time, when
// a new detail (what it waits for now) is worth a line.
func waiting(state string) bool {
	return state == workflows.Waiting || state == workflows.Held || state == workflows.Blocked
}

// retryLine says which step is failing, how often and why:
// "Tag (attempt 11): clone ...: fatal: repository ... does not exist".
func retryLine(r workflows.Retry) string {
	if !r.LocalSince.IsZero() {
		return fmt.Sprintf("%s has run in the orchestrate worker since %s (a local activity: the server does not see its attempts)", r.Activity, r.LocalSince.Local().Format("15:04:05"))
	}
	if r.NoWorker != "" && r.LastFailure == "" {
		return fmt.Sprintf("%s waits for a worker: %s", r.Activity, r.NoWorker)
	}
	line := fmt.Sprintf("%s (attempt %d)", r.Activity, r.Attempt)
	if r.LastFailure != "" {
		line += ": " + r.LastFailure
	}
	return line
}

// retries says whether r is known to be retrying after a failure, rather
// than waiting for a worker or running long as a local activity.
func retries(r workflows.Retry) bool {
	return (r.NoWorker == "" || r.LastFailure != "") && r.LocalSince.IsZero()
}

// retryCountdown is retryLine with when the next attempt starts, from now.
func retryCountdown(r workflows.Retry, now time.Time) string {
	line := retryLine(r)
	if !retries(r) {
		return line
	}
	switch wait := r.NextAttempt.Sub(now); {
	case r.NextAttempt.IsZero():
		line += "; trying again now"
	case wait > 0:
		line += fmt.Sprintf("; next try in %s", wait.Round(time.Second))
	default:
		line += "; next try due now"
	}
	return line
}
