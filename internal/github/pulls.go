package github

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/go-github/v60/github"

	"github.com/signalman/signalman/internal/notes"
)

// OpenPullRequests returns the open pull requests of owner/repo that
// target base or carry label (when label is not empty), by number.
func (c *Client) OpenPullRequests(ctx context.Context, owner, repo, base, label string) ([]notes.PullRequest, error) {
	opts := &github.PullRequestListOptions{State: "open", ListOptions: github.ListOptions{PerPage: perPage}}
	if label == "" {
		// Only base matters: let GitHub filter.
		opts.Base = base
	}
	var prs []notes.PullRequest
	for {
		page, resp, err := c.gh.PullRequests.List(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("open pull requests for %s in %s/%s: %w", base, owner, repo, err)
		}
		for _, pr := range page {
			if pr.GetBase().GetRef() == base || (label != "" && hasLabel(pr, label)) {
				prs = append(prs, convert(pr))
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return sortByNumber(prs), nil
}

// MergedPullRequests returns the merged pull requests that contain any of
// shas in owner/repo, each once, by number.
func (c *Client) MergedPullRequests(ctx context.Context, owner, repo string, shas []string) ([]notes.PullRequest, error) {
	seen := make(map[int]bool)
	var prs []notes.PullRequest
	for _, sha := range shas {
		opts := &github.ListOptions{PerPage: perPage}
		for {
			page, resp, err := c.gh.PullRequests.ListPullRequestsWithCommit(ctx, owner, repo, sha, opts)
			if err != nil {
				return nil, fmt.Errorf("pull requests with commit %s in %s/%s: %w", sha, owner, repo, err)
			}
			for _, pr := range page {
				if pr.MergedAt == nil || seen[pr.GetNumber()] {
					continue
				}
				seen[pr.GetNumber()] = true
				prs = append(prs, convert(pr))
			}
			if resp.NextPage == 0 {
				break
			}
			opts.Page = resp.NextPage
		}
	}
	return sortByNumber(prs), nil
}

func convert(pr *github.PullRequest) notes.PullRequest {
	out := notes.PullRequest{
		Number: pr.GetNumber(),
		Title:  pr.GetTitle(),
		Author: pr.GetUser().GetLogin(),
		URL:    pr.GetHTMLURL(),
	}
	for _, l := range pr.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	// An open pull request's merge_commit_sha is only GitHub's test merge.
	if pr.MergedAt != nil {
		out.MergeCommit = pr.GetMergeCommitSHA()
	}
	return out
}

func hasLabel(pr *github.PullRequest, label string) bool {
	return slices.ContainsFunc(pr.Labels, func(l *github.Label) bool { return l.GetName() == label })
}

func sortByNumber(prs []notes.PullRequest) []notes.PullRequest {
	slices.SortFunc(prs, func(a, b notes.PullRequest) int { return a.Number - b.Number })
	return prs
}
