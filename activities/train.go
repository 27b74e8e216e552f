package activities

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/version"
)

// CutTrain creates branch train-N at the main branch's head and pushes it;
// a branch that exists already is the cut done (a retry), and its commit is
// returned.
func (g *Git) CutTrain(ctx context.Context, req contract.CutRequest) (string, error) {
	const remote = "origin"
	branch := version.Branch(req.Train)
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, remote)
	if err != nil {
		return "", err
	}
	if sha, found, err := repo.RemoteBranch(ctx, remote, branch); err != nil {
		return "", err
	} else if found {
		return sha, nil
	}
	sha, err := repo.RevParse(ctx, "refs/remotes/"+remote+"/"+req.MainBranch)
	if err != nil {
		return "", badInput("cut %s of %s: no branch %q on the remote", branch, req.Product, req.MainBranch)
	}
	if err := repo.CreateBranch(ctx, branch, sha); err != nil {
		return "", err
	}
	if err := repo.Push(ctx, remote, "refs/heads/"+branch); err != nil {
		return "", gitFailure(fmt.Errorf("push %s: %w", branch, err))
	}
	activity.GetLogger(ctx).Info("train cut", "branch", branch, "commit", sha)
	return sha, nil
}

// shaPattern is an abbreviated or full commit hash.
var shaPattern = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// CherryPick picks each commit onto the train branch with `-x`, one at a
// time, and pushes the branch once all are on it. Each commit must already
// be on the main branch. A conflict stops everything: nothing is pushed,
// the branch is left as it was, and the error names the commit and files.
// A commit already picked onto the branch (a retry) is skipped.
func (g *Git) CherryPick(ctx context.Context, req contract.PickRequest) (contract.PickResult, error) {
	const remote = "origin"
	if len(req.Commits) == 0 {
		return contract.PickResult{}, badInput("%s: no commits to pick", picking(req))
	}
	for _, c := range req.Commits {
		if !shaPattern.MatchString(c) {
			return contract.PickResult{}, badInput("%s: %q is not a commit hash", picking(req), c)
		}
	}
	branch := version.Branch(req.Train)
	if req.Branch != "" {
		branch = req.Branch
	}
	url := req.RepoURL
	if req.Private != "" {
		url = req.Private
	}
	repo, err := g.workingCopy(ctx, req.Product, url, remote)
	if err != nil {
		return contract.PickResult{}, err
	}
	if req.Private != "" {
		if err := privateBranch(ctx, repo, req.RepoURL, branch); err != nil {
			return contract.PickResult{}, err
		}
	}
	start := "refs/remotes/" + remote + "/" + branch
	if req.Branch != "" {
		if start, err = startBranch(ctx, repo, remote, req.Branch, req.Base); err != nil {
			return contract.PickResult{}, err
		}
	}
	if err := repo.Checkout(ctx, branch); err != nil {
		return contract.PickResult{}, badInput("%s of %s: no branch %s: %v", picking(req), req.Product, branch, err)
	}
	// Start from the remote's branch: a previous attempt's local picks
	// that were never pushed are dropped.
	if err := repo.ResetHard(ctx, start); err != nil {
		return contract.PickResult{}, err
	}
	main := "refs/remotes/" + remote + "/" + req.MainBranch
	done, err := pickedOnto(ctx, repo, main)
	if err != nil {
		return contract.PickResult{}, err
	}
	res := contract.PickResult{Picked: map[string]string{}}
	for _, c := range req.Commits {
		full, err := repo.RevParse(ctx, c)
		if err != nil {
			return contract.PickResult{}, badInput("%s: unknown commit %s", picking(req), c)
		}
		onMain, err := repo.Contains(ctx, full, main)
		if err != nil {
			return contract.PickResult{}, err
		}
		if !onMain && req.Branch == "" {
			return contract.PickResult{}, badInput("%s: commit %s is not on %s; land it on %s first", picking(req), c, req.MainBranch, req.MainBranch)
		}
		if copy, ok := done[full]; ok {
			res.Picked[c] = copy
			continue
		}
		picked, err := repo.CherryPick(ctx, full)
		var conflict *git.ConflictError
		switch {
		case errors.As(err, &conflict):
			return contract.PickResult{}, permanent(contract.ErrConflict, fmt.Errorf("%s stopped: %s conflicts on %s in %s; nothing was pushed, resolve it on main or pick another commit",
				picking(req), short(full), branch, strings.Join(conflict.Files, ", ")))
		case errors.Is(err, git.ErrAlreadyApplied):
			res.Picked[c] = ""
			continue
		case err != nil:
			return contract.PickResult{}, err
		}
		res.Picked[c] = picked
		res.New++
	}
	if err := repo.Push(ctx, remote, "refs/heads/"+branch); err != nil {
		return contract.PickResult{}, gitFailure(fmt.Errorf("push %s: %w", branch, err))
	}
	head, err := repo.RevParse(ctx, "HEAD")
	if err != nil {
		return contract.PickResult{}, err
	}
	res.Head = head
	if req.Branch != "" {
		if res.Touched, err = touched(ctx, repo, req.Commits); err != nil {
			return contract.PickResult{}, err
		}
	}
	activity.GetLogger(ctx).Info("picked", "branch", branch, "commits", len(req.Commits), "head", head)
	return res, nil
}

// publicRemote is the name the private repository's working copy gives
// the public repository.
const publicRemote = "public"

// privateBranch gives the private repository (origin of repo) its copy of
// the public repository's train branch, when it has none yet.
func privateBranch(ctx context.Context, repo *git.Repo, public, branch string) error {
	if _, found, err := repo.RemoteBranch(ctx, "origin", branch); err != nil || found {
		return err
	}
	if err := repo.SetRemote(ctx, publicRemote, public); err != nil {
		return err
	}
	if err := repo.Fetch(ctx, publicRemote); err != nil {
		return gitFailure(fmt.Errorf("fetch the public repository: %w", err))
	}
	sha, err := repo.RevParse(ctx, "refs/remotes/"+publicRemote+"/"+branch)
	if err != nil {
		return badInput("security release: the public repository has no branch %s", branch)
	}
	if err := repo.CreateBranch(ctx, branch, sha); err != nil {
		return err
	}
	if err := repo.Push(ctx, "origin", "refs/heads/"+branch); err != nil {
		return gitFailure(fmt.Errorf("push %s to the private repository: %w", branch, err))
	}
	return nil
}

// Uplift makes a security release public once it is in production: the
// public train branch is fast-forwarded to the released commit, or, when
// it has moved on meanwhile, the released commit is merged into it (a
// conflict stops it with nothing pushed, naming the files); then the tag
// is pushed. A tag the public repository has already (a retry, or an
// uplift done by hand) is the uplift done.
func (g *Git) Uplift(ctx context.Context, req contract.UpliftRequest) (contract.UpliftResult, error) {
	branch := version.Branch(req.Train)
	repo, err := g.workingCopy(ctx, req.Product, req.Private, "origin")
	if err != nil {
		return contract.UpliftResult{}, err
	}
	if err := repo.SetRemote(ctx, publicRemote, req.Public); err != nil {
		return contract.UpliftResult{}, err
	}
	if err := repo.Fetch(ctx, publicRemote); err != nil {
		return contract.UpliftResult{}, gitFailure(fmt.Errorf("fetch the public repository: %w", err))
	}
	released, found, err := repo.RemoteTag(ctx, "origin", req.Tag)
	if err != nil {
		return contract.UpliftResult{}, err
	}
	if !found {
		return contract.UpliftResult{}, badInput("uplift %s: the private repository has no tag %s", req.Product, req.Tag)
	}
	if sha, found, err := repo.RemoteTag(ctx, publicRemote, req.Tag); err != nil {
		return contract.UpliftResult{}, err
	} else if found {
		if sha != released {
			return contract.UpliftResult{}, permanent(contract.ErrConflict, fmt.Errorf("uplift %s: the public repository has tag %s at %s, not the released %s", req.Product, req.Tag, short(sha), short(released)))
		}
		head, _, err := repo.RemoteBranch(ctx, publicRemote, branch)
		return contract.UpliftResult{Head: head}, err
	}
	if err := repo.Checkout(ctx, branch); err != nil {
		return contract.UpliftResult{}, err
	}
	res := contract.UpliftResult{}
	head, found, err := repo.RemoteBranch(ctx, publicRemote, branch)
	if err != nil {
		return contract.UpliftResult{}, err
	}
	behind := !found
	if found {
		if behind, err = repo.Contains(ctx, head, released); err != nil {
			return contract.UpliftResult{}, err
		}
	}
	refs := []string{"refs/heads/" + branch, "refs/tags/" + req.Tag}
	switch contains, err := repo.Contains(ctx, released, "refs/remotes/"+publicRemote+"/"+branch); {
	case err != nil && found:
		return contract.UpliftResult{}, err
	case behind:
		if err := repo.ResetHard(ctx, released); err != nil {
			return contract.UpliftResult{}, err
		}
		res.Head = released
	case contains:
		// Merged by hand: the tag is all that is missing.
		refs, res.Head = refs[1:], head
	default:
		if err := repo.ResetHard(ctx, "refs/remotes/"+publicRemote+"/"+branch); err != nil {
			return contract.UpliftResult{}, err
		}
		merged, err := repo.Merge(ctx, released, fmt.Sprintf("Uplift security release %s into %s", req.Tag, branch))
		var conflict *git.ConflictError
		if errors.As(err, &conflict) {
			return contract.UpliftResult{}, permanent(contract.ErrConflict, fmt.Errorf("uplift of %s stopped: merging it into the public %s conflicts in %s; nothing was pushed. Merge %s into %s by hand and push it, then run signalman train uplift %s --train %d --version %s",
				req.Tag, branch, strings.Join(conflict.Files, ", "), req.Tag, branch, req.Product, req.Train, req.Tag))
		}
		if err != nil {
			return contract.UpliftResult{}, err
		}
		res.Head, res.Merged = merged, true
	}
	if err := repo.Push(ctx, publicRemote, refs...); err != nil {
		return contract.UpliftResult{}, gitFailure(fmt.Errorf("push %s to the public repository: %w", req.Tag, err))
	}
	activity.GetLogger(ctx).Info("uplifted", "tag", req.Tag, "branch", branch, "head", res.Head, "merged", res.Merged)
	return res, nil
}

// pickedOnto maps commits already cherry-picked onto the current branch
// (since it left main) to their copies.
func pickedOnto(ctx context.Context, repo *git.Repo, main string) (map[string]string, error) {
	commits, err := repo.Log(ctx, main, "HEAD")
	if err != nil {
		return nil, err
	}
	done := map[string]string{}
	for _, c := range commits {
		if from := c.CherryPickedFrom(); from != "" {
			done[from] = c.SHA
		}
	}
	return done, nil
}

// Trains lists the train numbers that have a branch on the remote, ascending.
func (g *Git) Trains(ctx context.Context, req contract.TrainsRequest) ([]int, error) {
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, "origin")
	if err != nil {
		return nil, err
	}
	branches, err := repo.RemoteBranches(ctx, "origin")
	if err != nil {
		return nil, err
	}
	var trains []int
	for _, b := range branches {
		if n, err := version.ParseBranch(b); err == nil {
			trains = append(trains, n)
		}
	}
	slices.Sort(trains)
	return trains, nil
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
