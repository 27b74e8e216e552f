package activities

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
)

// CandidateCheck compares the main branch with the newest train branch.
func (g *Git) CandidateCheck(ctx context.Context, req contract.CandidateCheckRequest) (contract.CandidateCheck, error) {
	const remote = "origin"
	var zone *time.Location
	if req.TimeZone != "" {
		var err error
		if zone, err = time.LoadLocation(req.TimeZone); err != nil {
			return contract.CandidateCheck{}, badInput("candidate of %s: time zone %q: %v", req.Product, req.TimeZone, err)
		}
	}
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, remote)
	if err != nil {
		return contract.CandidateCheck{}, err
	}
	main := "refs/remotes/" + remote + "/" + req.MainBranch
	head, err := repo.RevParse(ctx, main)
	if err != nil {
		return contract.CandidateCheck{}, badInput("candidate of %s: no branch %q on %s", req.Product, req.MainBranch, req.RepoURL)
	}
	out := contract.CandidateCheck{Head: head}
	branches, err := repo.RemoteBranches(ctx, remote)
	if err != nil {
		return contract.CandidateCheck{}, err
	}
	for _, b := range branches {
		if n, err := version.ParseBranch(b); err == nil && n > out.LastTrain {
			out.LastTrain = n
		}
	}
	// A repository released by hand before Signalman may have tags but no
	// train branches: the next train follows the highest tagged one.
	next := out.LastTrain
	tags, err := repo.Tags(ctx)
	if err != nil {
		return contract.CandidateCheck{}, err
	}
	for _, t := range tags {
		if v, err := version.Parse(t); err == nil && v.Train > next {
			next = v.Train
		}
	}
	out.NextTrain = next + 1

	from := ""
	if out.LastTrain > 0 {
		from = "refs/remotes/" + remote + "/" + version.Branch(out.LastTrain)
	}
	commits, err := repo.Log(ctx, from, main)
	if err != nil {
		return contract.CandidateCheck{}, err
	}
	out.NewCommits = len(commits)
	for _, c := range commits {
		key := strings.ToLower(c.Email)
		i := slices.IndexFunc(out.Committers, func(p contract.Committer) bool { return strings.ToLower(p.Email) == key })
		if i < 0 {
			out.Committers = append(out.Committers, contract.Committer{Name: c.Author, Email: c.Email, InZone: zone != nil})
			i = len(out.Committers) - 1
		}
		out.Committers[i].Commits++
		if zone != nil {
			_, offset := c.Time.Zone()
			_, want := c.Time.In(zone).Zone()
			out.Committers[i].InZone = out.Committers[i].InZone && offset == want
		}
	}
	return out, nil
}
