package activities

import (
	"context"

	"github.com/signalman/signalman/internal/contract"
)

// DescribeCommits returns the author and subject of each commit, in the
// order asked; a commit the repository does not have is bad input.
func (g *Git) DescribeCommits(ctx context.Context, req contract.DescribeRequest) ([]contract.CommitInfo, error) {
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, "origin")
	if err != nil {
		return nil, err
	}
	out := make([]contract.CommitInfo, 0, len(req.Commits))
	for _, c := range req.Commits {
		if !shaPattern.MatchString(c) {
			return nil, badInput("describe %s: %q is not a commit hash", req.Product, c)
		}
		full, err := repo.RevParse(ctx, c)
		if err != nil {
			return nil, badInput("describe %s: unknown commit %s", req.Product, c)
		}
		log, err := repo.Log(ctx, full+"^", full)
		if err != nil || len(log) == 0 {
			// A root commit has no parent to stop at.
			if log, err = repo.Log(ctx, "", full); err != nil {
				return nil, err
			}
		}
		last := log[len(log)-1]
		out = append(out, contract.CommitInfo{SHA: c, Author: last.Author, Subject: last.Subject})
	}
	return out, nil
}
