package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
)

// picking names what a pick request does, for its errors: a dot release
// of a train, or the branch of a temporary stage deploy.
func picking(req contract.PickRequest) string {
	if req.Branch != "" {
		return fmt.Sprintf("stage branch %s (from %s)", req.Branch, req.Base)
	}
	return fmt.Sprintf("dot release of train %d", req.Train)
}

// startBranch makes sure the local branch exists for picks onto branch
// and returns where the picks start: the remote's branch when it has one
// (a name used again adds its picks), otherwise base, which the remote
// must have. Nothing is pushed here: a branch the picks never reach is
// never made on the remote.
func startBranch(ctx context.Context, repo *git.Repo, remote, branch, base string) (string, error) {
	if _, found, err := repo.RemoteBranch(ctx, remote, branch); err != nil {
		return "", gitFailure(fmt.Errorf("look up %s: %w", branch, err))
	} else if found {
		return "refs/remotes/" + remote + "/" + branch, nil
	}
	if base == "" {
		return "", badInput("stage branch %s: no such branch, and no base branch to make it from", branch)
	}
	start := "refs/remotes/" + remote + "/" + base
	if _, err := repo.RevParse(ctx, start); err != nil {
		return "", badInput("stage branch %s: no branch %s to make it from; is the train cut?", branch, base)
	}
	// A local branch left elsewhere by an attempt that never pushed is
	// moved by the reset that follows.
	var elsewhere *git.BranchMismatchError
	if err := repo.CreateBranch(ctx, branch, start); err != nil && !errors.As(err, &elsewhere) {
		return "", err
	}
	return start, nil
}

// touched lists, sorted and once each, the paths the commits change.
func touched(ctx context.Context, repo *git.Repo, commits []string) ([]string, error) {
	var paths []string
	for _, c := range commits {
		files, err := repo.Files(ctx, c)
		if err != nil {
			return nil, err
		}
		paths = append(paths, files...)
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}
