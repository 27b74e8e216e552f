package github

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/go-github/v60/github"
)

// Result is the verdict on a commit's checks.
type Result string

// The verdicts: Pending until every check has finished, then Failure if
// any failed, else Success.
const (
	Pending Result = "pending"
	Success Result = "success"
	Failure Result = "failure"
)

// State is the combined state of a commit's check runs and commit
// statuses.
type State struct {
	Result Result
	// Failing and Pending name the checks (check-run names and status
	// contexts) that failed or have not finished, sorted.
	Failing []string
	Pending []string
}

// ChecksState combines the check runs and the commit statuses of sha in
// owner/repo. Any failure makes it Failure, even while others run. A
// commit with no checks at all is Pending: CI may not have reported yet.
func (c *Client) ChecksState(ctx context.Context, owner, repo, sha string) (State, error) {
	var failing, pending []string
	seen := 0

	runOpts := &github.ListCheckRunsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	for {
		res, resp, err := c.gh.Checks.ListCheckRunsForRef(ctx, owner, repo, sha, runOpts)
		if err != nil {
			return State{}, fmt.Errorf("check runs of %s in %s/%s: %w", sha, owner, repo, err)
		}
		for _, run := range res.CheckRuns {
			seen++
			switch {
			case run.GetStatus() != "completed":
				pending = append(pending, run.GetName())
			case !passed(run.GetConclusion()):
				failing = append(failing, run.GetName())
			}
		}
		if resp.NextPage == 0 {
			break
		}
		runOpts.Page = resp.NextPage
	}

	statusOpts := &github.ListOptions{PerPage: perPage}
	for {
		combined, resp, err := c.gh.Repositories.GetCombinedStatus(ctx, owner, repo, sha, statusOpts)
		if err != nil {
			return State{}, fmt.Errorf("commit status of %s in %s/%s: %w", sha, owner, repo, err)
		}
		for _, s := range combined.Statuses {
			seen++
			switch s.GetState() {
			case "success":
			case "pending":
				pending = append(pending, s.GetContext())
			default: // "failure", "error"
				failing = append(failing, s.GetContext())
			}
		}
		if resp.NextPage == 0 {
			break
		}
		statusOpts.Page = resp.NextPage
	}

	st := State{Failing: sortedSet(failing), Pending: sortedSet(pending)}
	switch {
	case len(st.Failing) > 0:
		st.Result = Failure
	case len(st.Pending) > 0 || seen == 0:
		st.Result = Pending
	default:
		st.Result = Success
	}
	return st, nil
}

// passed reports whether a completed check run's conclusion lets a
// release through.
func passed(conclusion string) bool {
	switch conclusion {
	case "success", "neutral", "skipped":
		return true
	default: // failure, cancelled, timed_out, action_required, stale, startup_failure
		return false
	}
}

func sortedSet(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
