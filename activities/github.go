package activities

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/github"
	"github.com/signalman/signalman/internal/notes"
	"github.com/signalman/signalman/internal/version"
)

// Defaults of GitHub.Poll and GitHub.MaxPoll.
const (
	defaultChecksPoll    = 10 * time.Second
	defaultChecksMaxPoll = 2 * time.Minute
)

// GitHub asks the product's GitHub repository about CI checks and pull
// requests, and publishes releases. It reads the token from the worker's
// environment at run time, under the name the request gives, so no token
// ever enters workflow inputs, results or history.
type GitHub struct {
	// Getenv reads the token (default os.Getenv).
	Getenv func(string) string
	// Poll is the first wait between two looks at a commit's checks
	// (default 10s); each wait doubles, up to MaxPoll.
	Poll time.Duration
	// MaxPoll is the longest wait between two looks (default 2m).
	MaxPoll time.Duration
}

// ChecksProgress is WaitForChecks's heartbeat: the checks not finished
// and those that failed, as of the last look.
type ChecksProgress struct {
	Pending []string `json:"pending,omitempty"`
	Failing []string `json:"failing,omitempty"`
}

// WaitForChecks waits until every check run and commit status of the
// commit has passed, looking again after Poll, then after twice as long,
// up to MaxPoll, and heartbeating what it saw each time. A failing check
// ends the wait with a non-retryable ErrTestFailed naming the failing
// checks; the activity's timeouts, through ctx, bound the wait.
func (g *GitHub) WaitForChecks(ctx context.Context, req contract.ChecksRequest) (contract.ChecksResult, error) {
	if req.Commit == "" {
		return contract.ChecksResult{}, badInput("wait for the checks in %s: no commit given", req.GitHub.Repo)
	}
	r, err := g.connect(req.GitHub)
	if err != nil {
		return contract.ChecksResult{}, err
	}
	start := time.Now()
	wait := orDefault(g.Poll, defaultChecksPoll)
	var last github.State
	stopped := func() error {
		return fmt.Errorf("wait for the checks of commit %s in %s (still pending: %s): %w",
			req.Commit, req.GitHub.Repo, pendingNames(last.Pending), context.Cause(ctx))
	}
	for polls := 1; ; polls++ {
		st, err := r.client.ChecksState(ctx, r.owner, r.name, req.Commit)
		if err != nil && ctx.Err() != nil {
			// Cancelled mid-look: say what was pending at the last look.
			return contract.ChecksResult{}, stopped()
		}
		if err != nil {
			return contract.ChecksResult{}, r.explain(err)
		}
		last = st
		recordHeartbeat(ctx, ChecksProgress{Pending: st.Pending, Failing: st.Failing})
		switch st.Result {
		case github.Success:
			return contract.ChecksResult{Seconds: time.Since(start).Seconds(), Polls: polls}, nil
		case github.Failure:
			return contract.ChecksResult{}, permanent(contract.ErrTestFailed, fmt.Errorf("CI checks of commit %s in %s failed: %s; fix them and release again, or re-run them on GitHub and retry",
				req.Commit, req.GitHub.Repo, strings.Join(st.Failing, ", ")))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return contract.ChecksResult{}, stopped()
		case <-timer.C:
		}
		wait = min(2*wait, orDefault(g.MaxPoll, defaultChecksMaxPoll))
	}
}

// OpenPulls lists the pull requests still open for the train: those
// targeting its branch, and those targeting the main branch and labelled
// with the branch's name (train-N), by number.
func (g *GitHub) OpenPulls(ctx context.Context, req contract.OpenPullsRequest) ([]contract.PullRequest, error) {
	if req.Train <= 0 || req.MainBranch == "" {
		return nil, badInput("open pull requests in %s: want a train number above 0 and the main branch, got train %d and branch %q", req.GitHub.Repo, req.Train, req.MainBranch)
	}
	r, err := g.connect(req.GitHub)
	if err != nil {
		return nil, err
	}
	branch := version.Branch(req.Train)
	onTrain, err := r.client.OpenPullRequests(ctx, r.owner, r.name, branch, "")
	if err != nil {
		return nil, r.explain(err)
	}
	onMain, err := r.client.OpenPullRequests(ctx, r.owner, r.name, req.MainBranch, "")
	if err != nil {
		return nil, r.explain(err)
	}
	seen := make(map[int]bool)
	var out []contract.PullRequest
	add := func(pr notes.PullRequest) {
		if !seen[pr.Number] {
			seen[pr.Number] = true
			out = append(out, contract.PullRequest{Number: pr.Number, Title: pr.Title, Author: pr.Author, URL: pr.URL})
		}
	}
	for _, pr := range onTrain {
		add(pr)
	}
	for _, pr := range onMain {
		if slices.Contains(pr.Labels, branch) {
			add(pr)
		}
	}
	slices.SortFunc(out, func(a, b contract.PullRequest) int { return a.Number - b.Number })
	return out, nil
}

// PublishRelease publishes the GitHub release of the tag. A tag that
// already has a release keeps it, so a retry never makes a second one.
func (g *GitHub) PublishRelease(ctx context.Context, req contract.PublishRequest) (contract.PublishResult, error) {
	if req.Tag == "" {
		return contract.PublishResult{}, badInput("publish a release in %s: no tag given", req.GitHub.Repo)
	}
	r, err := g.connect(req.GitHub)
	if err != nil {
		return contract.PublishResult{}, err
	}
	name := req.Name
	if name == "" {
		name = req.Tag
	}
	u, err := r.client.CreateRelease(ctx, r.owner, r.name, req.Tag, name, req.Body)
	if err != nil {
		return contract.PublishResult{}, r.explain(err)
	}
	activityLogger(ctx).Info("release published", "tag", req.Tag, "url", u)
	return contract.PublishResult{URL: u}, nil
}

// mergedPulls returns the merged pull requests that brought commits.
func (g *GitHub) mergedPulls(ctx context.Context, repo contract.GitHubRepo, commits []git.Commit) ([]notes.PullRequest, error) {
	r, err := g.connect(repo)
	if err != nil {
		return nil, err
	}
	shas := make([]string, len(commits))
	for i, c := range commits {
		shas[i] = c.SHA
	}
	prs, err := r.client.MergedPullRequests(ctx, r.owner, r.name, shas)
	if err != nil {
		return nil, r.explain(err)
	}
	return prs, nil
}

// repoClient is a client for one repository.
type repoClient struct {
	client      *github.Client
	owner, name string
	// unsetEnv names the token's variable when it was expected but unset.
	unsetEnv string
}

// connect makes a client for repo with the token its TokenEnv names, or
// none when that is unset.
func (g *GitHub) connect(repo contract.GitHubRepo) (repoClient, error) {
	owner, name, err := github.ParseRepo(repo.Repo)
	if err != nil {
		return repoClient{}, badInput("github: %v; set repository.github in the pipeline file", err)
	}
	getenv := g.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var token string
	if repo.TokenEnv != "" {
		token = getenv(repo.TokenEnv)
	}
	c, err := github.New(repo.API, token)
	if err != nil {
		return repoClient{}, badInput("%v; fix repository.github_api in the pipeline file", err)
	}
	r := repoClient{client: c, owner: owner, name: name}
	if token == "" {
		r.unsetEnv = repo.TokenEnv
	}
	return r, nil
}

// explain adds to a GitHub error that no token was sent, the likely cause
// of a 404 from a private repository.
func (r repoClient) explain(err error) error {
	if r.unsetEnv == "" {
		return err
	}
	return fmt.Errorf("%w (asked without a token: %s is not set on the worker)", err, r.unsetEnv)
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func pendingNames(names []string) string {
	if len(names) == 0 {
		return "no checks reported yet"
	}
	return strings.Join(names, ", ")
}

// recordHeartbeat heartbeats when ctx is an activity's, and does nothing
// when the code runs outside one, as in a plain test.
func recordHeartbeat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}

// activityLogger is the activity's logger, or slog's default outside an
// activity.
func activityLogger(ctx context.Context) log.Logger {
	if activity.IsActivity(ctx) {
		return activity.GetLogger(ctx)
	}
	return log.NewStructuredLogger(slog.Default())
}
