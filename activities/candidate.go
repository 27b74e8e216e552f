package activities

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/version"
)

// CandidateCheckName is the activity that says whether a daily candidate
// has anything to release.
const CandidateCheckName = "CandidateCheck"

// CandidateCheckRequest asks what main holds since the last train.
type CandidateCheckRequest struct {
	Product    string `json:"product"`
	RepoURL    string `json:"repoURL"`
	MainBranch string `json:"mainBranch"`
	// TimeZone is the IANA zone release managers are preferred from.
	TimeZone string `json:"timeZone,omitempty"`
}

// CandidateCheck is what main holds since the last train was cut.
type CandidateCheck struct {
	// Head is the main branch's head commit.
	Head string `json:"head"`
	// LastTrain is the highest train with a branch (0: none yet).
	LastTrain int `json:"lastTrain"`
	// NextTrain is the number a new train takes.
	NextTrain int `json:"nextTrain"`
	// NewCommits counts the commits on main that the last train's branch
	// does not have.
	NewCommits int `json:"newCommits"`
	// Committers are the authors of those commits, in order of their
	// first commit.
	Committers []Committer `json:"committers,omitempty"`
}

// Committer is one author of a candidate's commits.
type Committer struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Commits int    `json:"commits"`
	// InZone says the author's commits were written in the preferred time
	// zone (their UTC offset was the zone's at the time).
	InZone bool `json:"inZone"`
}

// CandidateCheck compares the main branch with the newest train branch.
func (g *Git) CandidateCheck(ctx context.Context, req CandidateCheckRequest) (CandidateCheck, error) {
	const remote = "origin"
	var zone *time.Location
	if req.TimeZone != "" {
		var err error
		if zone, err = time.LoadLocation(req.TimeZone); err != nil {
			return CandidateCheck{}, badInput("candidate of %s: time zone %q: %v", req.Product, req.TimeZone, err)
		}
	}
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, remote)
	if err != nil {
		return CandidateCheck{}, err
	}
	main := "refs/remotes/" + remote + "/" + req.MainBranch
	head, err := repo.RevParse(ctx, main)
	if err != nil {
		return CandidateCheck{}, badInput("candidate of %s: no branch %q on %s", req.Product, req.MainBranch, req.RepoURL)
	}
	out := CandidateCheck{Head: head}
	branches, err := repo.RemoteBranches(ctx, remote)
	if err != nil {
		return CandidateCheck{}, err
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
		return CandidateCheck{}, err
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
		return CandidateCheck{}, err
	}
	out.NewCommits = len(commits)
	for _, c := range commits {
		key := strings.ToLower(c.Email)
		i := slices.IndexFunc(out.Committers, func(p Committer) bool { return strings.ToLower(p.Email) == key })
		if i < 0 {
			out.Committers = append(out.Committers, Committer{Name: c.Author, Email: c.Email, InZone: zone != nil})
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
