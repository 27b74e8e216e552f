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
		return contract.PickResult{}, badInput("dot release of train %d: no commits to pick", req.Train)
	}
	for _, c := range req.Commits {
		if !shaPattern.MatchString(c) {
			return contract.PickResult{}, badInput("dot release of train %d: %q is not a commit hash", req.Train, c)
		}
	}
	branch := version.Branch(req.Train)
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, remote)
	if err != nil {
		return contract.PickResult{}, err
	}
	if err := repo.Checkout(ctx, branch); err != nil {
		return contract.PickResult{}, badInput("dot release of %s: no branch %s: %v", req.Product, branch, err)
	}
	// Start from the remote's branch: a previous attempt's local picks
	// that were never pushed are dropped.
	if err := repo.ResetHard(ctx, "refs/remotes/"+remote+"/"+branch); err != nil {
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
			return contract.PickResult{}, badInput("dot release of train %d: unknown commit %s", req.Train, c)
		}
		onMain, err := repo.Contains(ctx, full, main)
		if err != nil {
			return contract.PickResult{}, err
		}
		if !onMain {
			return contract.PickResult{}, badInput("dot release of train %d: commit %s is not on %s; land it on %s first", req.Train, c, req.MainBranch, req.MainBranch)
		}
		if copy, ok := done[full]; ok {
			res.Picked[c] = copy
			continue
		}
		picked, err := repo.CherryPick(ctx, full)
		var conflict *git.ConflictError
		switch {
		case errors.As(err, &conflict):
			return contract.PickResult{}, permanent(contract.ErrConflict, fmt.Errorf("dot release of train %d stopped: %s conflicts on %s in %s; nothing was pushed, resolve it on main or pick another commit",
				req.Train, short(full), branch, strings.Join(conflict.Files, ", ")))
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
	activity.GetLogger(ctx).Info("picked", "branch", branch, "commits", len(req.Commits), "head", head)
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
