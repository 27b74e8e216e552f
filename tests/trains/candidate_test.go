package trains

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// testCandidates runs the daily candidate's real Temporal Schedule, fired
// by trigger, once with new commits on main (a train starts, managed by
// the committer in the schedule's zone, and its release waits for a
// production freeze until it is lifted) and once with none (nothing
// starts). lastTrain is the newest train the repository has.
func testCandidates(t *testing.T, repo *gittest.Repo, cfg, addr string, lastTrain int) {
	next := lastTrain + 1
	version := "v1.103.0"
	if next != 103 {
		t.Fatalf("this test expects train 103 next, not %d", next)
	}
	e2e.MustCLI(t, addr, "schedule", "candidate", "-c", cfg, "--at", "09:00", "--tz", "America/New_York", "--days", "mon-fri")
	if r := e2e.CLI(t, addr, "schedule", "candidate", "-c", cfg, "--at", "9am", "--tz", "America/New_York"); r.Code != 2 || !strings.Contains(r.Stderr, `"9am" is not a time of day`) {
		t.Errorf("schedule with --at 9am: exit %d, %q; want a usage error", r.Code, r.Stderr)
	}
	// November: New York is at -05:00. Ada commits from there, Bo from Berlin.
	repo.Git(t, "commit", "--quiet", "--allow-empty", "--author", "Ada <ada@example.com>", "--date", "2026-11-19T10:00:00-05:00", "-m", "fix: tax rounding")
	repo.Git(t, "commit", "--quiet", "--allow-empty", "--author", "Bo <bo@example.com>", "--date", "2026-11-19T16:00:00+01:00", "-m", "feat: wishlist")
	repo.Git(t, "push", "--quiet", "origin", "main")

	// Production is frozen before the candidate: its release must wait.
	if r := e2e.CLI(t, addr, "freeze", "shop", "-c", cfg, "--reason", "x", "--as", "mallory"); r.Code != 3 || !strings.Contains(r.Stderr, "mallory may not freeze shop: permissions.freeze allows sre (sam)") {
		t.Errorf("freeze by mallory: exit %d, %q; want refused", r.Code, r.Stderr)
	}
	e2e.MustCLI(t, addr, "freeze", "shop", "-c", cfg, "--reason", "payments migration", "--as", "sam")

	e2e.MustCLI(t, addr, "schedule", "trigger", "shop")
	runs := waitCandidates(t, addr, 1)
	res := runs[0].Result
	if res == nil || res.Train != next || res.Manager != "Ada" || res.NewCommits < 2 {
		t.Fatalf("first candidate = %+v; want train %d managed by Ada (the committer in New York)", runs[0], next)
	}
	e2e.Eventually(t, 3*time.Minute, version+" waits for the freeze", func() (bool, string) {
		st, err := e2e.Status(t, addr, version)
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() {
			t.Fatalf("%s ended (%s) while production was frozen: %s", version, st.State, st.Error)
		}
		return st.Stage == workflows.StageWindow && st.Freeze != nil && st.Freeze.Frozen, st.Stage
	})
	out := e2e.MustCLI(t, addr, "status", version, "--product", "shop")
	for _, want := range []string{"FROZEN by sam", "payments migration", "release manager: Ada"} {
		if !strings.Contains(out, want) {
			t.Errorf("status of %s lacks %q:\n%s", version, want, out)
		}
	}
	if st, _ := e2e.Status(t, addr, version); len(st.Deploys) != 1 || st.Deploys[0].Env != "stage" {
		t.Errorf("deploys while frozen = %+v; want stage only", st.Deploys)
	}
	e2e.MustCLI(t, addr, "unfreeze", "shop", "--as", "sam")
	waitReleases(t, addr, next, version)
	st, err := e2e.Status(t, addr, version)
	if err != nil {
		t.Fatal(err)
	}
	if st.Manager != "Ada" || st.TriggeredBy != workflows.ScheduledBy || st.Freeze == nil || st.Freeze.LiftedBy != "sam" {
		t.Errorf("%s: manager %q, triggered by %q, freeze %+v; want Ada, the schedule, lifted by sam", version, st.Manager, st.TriggeredBy, st.Freeze)
	}
	e2e.SaveHistory(t, addr, workflows.ReleaseID("shop", version), "release-frozen")
	e2e.SaveHistory(t, addr, runs[0].WorkflowID, "candidate")
	e2e.SaveHistory(t, addr, "freeze/shop", "freeze")
	e2e.SaveHistory(t, addr, workflows.TrainID("shop", 100), "train")

	// Nothing new on main since train 103 was cut: the schedule fires and
	// starts nothing.
	e2e.MustCLI(t, addr, "schedule", "trigger", "shop")
	runs = waitCandidates(t, addr, 2)
	if res := runs[0].Result; res == nil || res.Train != 0 || !strings.Contains(res.Skipped, "no new commits since train-103") {
		t.Errorf("second candidate = %+v; want skipped, nothing new since train-103", runs[0])
	}
	if _, err := trainStatus(t, addr, next+1); err == nil {
		t.Errorf("train %d exists; a candidate without new commits must not start one", next+1)
	}
	e2e.MustCLI(t, addr, "schedule", "delete", "shop")
	if r := e2e.CLI(t, addr, "schedule", "trigger", "shop"); r.Code != 4 {
		t.Errorf("trigger after delete: exit %d, want 4 (not found): %s", r.Code, r.Stderr)
	}
}

// waitCandidates waits until n candidates have ended and returns them, newest first.
func waitCandidates(t *testing.T, addr string, n int) []control.CandidateRun {
	t.Helper()
	var info control.ScheduleInfo
	e2e.Eventually(t, time.Minute, "candidates ended", func() (bool, string) {
		r := e2e.CLI(t, addr, "schedule", "show", "shop", "-o", "json")
		if r.Code != 0 {
			return false, r.Stderr
		}
		if err := json.Unmarshal([]byte(r.Stdout), &info); err != nil {
			t.Fatalf("schedule show -o json: %v\n%s", err, r.Stdout)
		}
		ended := 0
		for _, c := range info.Recent {
			if c.State != "running" {
				ended++
			}
		}
		return ended >= n, r.Stdout
	})
	if !strings.Contains(info.Spec, "09:00 on mon,tue,wed,thu,fri") || info.TimeZone != "America/New_York" || len(info.Next) == 0 {
		t.Errorf("schedule = %+v; want 09:00 on weekdays in New York, with a next run", info)
	}
	return info.Recent
}
