package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// followEvery is how often a followed branch is looked at by default.
const followEvery = time.Minute

// followContinueAfter continues a follow workflow as new after this many
// looks, so its history stays short even when Temporal does not suggest
// it yet.
const followContinueAfter = 200

// followRecent bounds the deploys a follow workflow remembers.
const followRecent = 20

// FollowInput starts, or carries on across continue-as-new, the
// workflow that deploys every new commit of the main branch to an
// environment that follows it.
type FollowInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	Env      string          `json:"env"`
	// Every is how often the branch is looked at (default a minute).
	Every time.Duration `json:"every,omitempty"`
	// Last is the last commit deployed, or tried.
	Last   string         `json:"last,omitempty"`
	Recent []FollowDeploy `json:"recent,omitempty"`
}

// FollowDeploy is one commit's build and deploy.
type FollowDeploy struct {
	Commit  string    `json:"commit"`
	Version string    `json:"version"`
	At      time.Time `json:"at"`
	// Outcome is Deployed or Failed; Error says why it failed.
	Outcome   string              `json:"outcome"`
	Error     string              `json:"error,omitempty"`
	Artifacts []contract.Artifact `json:"artifacts,omitempty"`
}

// FollowStatus is what the follow workflow's status query returns.
type FollowStatus struct {
	Product string         `json:"product"`
	Env     string         `json:"env"`
	Branch  string         `json:"branch"`
	Last    string         `json:"last,omitempty"`
	Recent  []FollowDeploy `json:"recent,omitempty"`
	// Doing is what it does now: looking, building a commit, deploying it.
	Doing string `json:"doing"`
}

// FollowID is the workflow ID of the follow workflow of env.
func FollowID(product, env string) string { return "follow/" + product + "/" + env }

// FollowVersion names a build of a commit of a followed branch.
func FollowVersion(branch, commit string) string { return branch + "-" + short(commit) }

// FollowWorkflow deploys every new commit of the main branch to an
// environment that follows it (follow: main): it looks at the branch
// every minute and, for a commit it has not seen, builds every service
// (named BRANCH-SHA7, with no tag and no release number), signs the
// images with the follow key, which only the environments that follow
// the branch trust, and deploys them there, one commit at a time and
// holding the environment like a release. A commit that fails is
// reported and the next one is tried. Nothing built here reaches another
// environment: releases build their own images from their tags.
func FollowWorkflow(ctx workflow.Context, in FollowInput) (FollowStatus, error) {
	p := in.Pipeline
	e, ok := p.Environments[in.Env]
	st := FollowStatus{Product: p.Product, Env: in.Env, Branch: e.Follow, Last: in.Last, Recent: in.Recent, Doing: "looking at " + e.Follow}
	if !ok || e.Follow == "" {
		return st, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s of %s follows no branch (set follow: %s)", in.Env, p.Product, p.Repository.MainBranch), ErrInvalid, nil)
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (FollowStatus, error) { return st, nil }); err != nil {
		return st, err
	}
	every := in.Every
	if every <= 0 {
		every = followEvery
	}
	log := workflow.GetLogger(ctx)
	show := func() {
		var b strings.Builder
		fmt.Fprintf(&b, "**%s of %s** follows %s: %s", in.Env, p.Product, e.Follow, st.Doing)
		for i := len(st.Recent) - 1; i >= 0 && i >= len(st.Recent)-5; i-- {
			d := st.Recent[i]
			fmt.Fprintf(&b, "\n- %s %s at %s", d.Version, d.Outcome, d.At.UTC().Format("2006-01-02 15:04 MST"))
			if d.Error != "" {
				fmt.Fprintf(&b, ": %s", d.Error)
			}
		}
		workflow.SetCurrentDetails(ctx, b.String())
	}
	show()
	for looks := 1; ; looks++ {
		var head string
		err := run(ctx, contract.BranchHeadName, contract.BranchHeadRequest{Product: p.Product, RepoURL: p.Repository.URL, Branch: e.Follow}, &head)
		if err != nil {
			log.Warn("branch not read", "branch", e.Follow, "error", err)
		} else if head != st.Last {
			d := followDeploy(ctx, p, in.Env, head, func(doing string) { st.Doing = doing; show() })
			st.Last = head
			st.Recent = append(st.Recent, d)
			if n := len(st.Recent); n > followRecent {
				st.Recent = slices.Clone(st.Recent[n-followRecent:])
			}
			log.Info("followed commit", "env", in.Env, "version", d.Version, "outcome", d.Outcome, "error", d.Error)
		}
		st.Doing = "looking at " + e.Follow
		show()
		if looks >= followContinueAfter || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			next := in
			next.Last, next.Recent = st.Last, st.Recent
			return st, workflow.NewContinueAsNewError(ctx, FollowWorkflow, next)
		}
		if err := workflow.Sleep(ctx, every); err != nil {
			return st, err
		}
	}
}

// followDeploy builds, signs and deploys one commit of the followed
// branch to env, and says how it went.
func followDeploy(ctx workflow.Context, p config.Pipeline, env, commit string, doing func(string)) FollowDeploy {
	e := p.Environments[env]
	d := FollowDeploy{Commit: commit, Version: FollowVersion(e.Follow, commit), At: workflow.Now(ctx), Outcome: Deployed}
	arts, err := deployUnreleased(ctx, p, env, unreleased{Branch: e.Follow, Commit: commit, Version: d.Version, Services: p.ServicesIn(env)}, doing)
	d.Artifacts = arts
	if err != nil {
		d.Outcome, d.Error = Failed, cause(err)
	}
	return d
}
