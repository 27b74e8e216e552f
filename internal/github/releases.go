package github

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// CreateRelease publishes a release of tag named name with body as its
// notes, and returns its web page. If tag already has a release, that
// release is left as it is and its URL returned, so a retry never makes a
// second one.
func (c *Client) CreateRelease(ctx context.Context, owner, repo, tag, name, body string) (string, error) {
	existing, _, err := c.gh.Repositories.GetReleaseByTag(ctx, owner, repo, tag)
	switch {
	case err == nil:
		return existing.GetHTMLURL(), nil
	case !isNotFound(err):
		return "", fmt.Errorf("release %s of %s/%s: %w", tag, owner, repo, err)
	}
	created, _, err := c.gh.Repositories.CreateRelease(ctx, owner, repo, &github.RepositoryRelease{
		TagName: github.String(tag),
		Name:    github.String(name),
		Body:    github.String(body),
	})
	if err == nil {
		return created.GetHTMLURL(), nil
	}
	if isUnprocessable(err) {
		// Someone else created it since we looked: theirs is the release.
		if existing, _, getErr := c.gh.Repositories.GetReleaseByTag(ctx, owner, repo, tag); getErr == nil {
			return existing.GetHTMLURL(), nil
		}
	}
	return "", fmt.Errorf("create release %s of %s/%s: %w", tag, owner, repo, err)
}
