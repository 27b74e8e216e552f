package contract

import (
	"github.com/signalman/signalman/internal/config"
)

// GitHubRepo says where a product's repository is on GitHub.
type GitHubRepo struct {
	// Repo is "owner/name"; empty when the product is not on GitHub.
	Repo string `json:"repo"`
	// API is a GitHub Enterprise server's API URL; empty for api.github.com.
	API string `json:"api,omitempty"`
	// TokenEnv names the worker's environment variable holding the token;
	// without one (or when it is unset) GitHub is asked without a token,
	// which is enough for a public repository.
	TokenEnv string `json:"tokenEnv,omitempty"`
}

// GitHubRepoOf is the GitHub side of a pipeline's repository; its Repo is
// empty when the pipeline names no GitHub repository.
func GitHubRepoOf(r config.Repository) GitHubRepo {
	if r.GitHub == "" {
		return GitHubRepo{}
	}
	return GitHubRepo{Repo: r.GitHub, API: r.GitHubAPI, TokenEnv: r.GitHubTokenEnv}
}

// ChecksRequest asks to wait for the CI checks of a commit.
type ChecksRequest struct {
	GitHub GitHubRepo `json:"github"`
	Commit string     `json:"commit"`
}

// ChecksResult says how long the checks took to pass.
type ChecksResult struct {
	Seconds float64 `json:"seconds"`
	Polls   int     `json:"polls"`
}

// OpenPullsRequest asks which pull requests are still open for a train.
type OpenPullsRequest struct {
	GitHub     GitHubRepo `json:"github"`
	Train      int        `json:"train"`
	MainBranch string     `json:"mainBranch"`
}

// PullRequest is an open pull request, as announced before a tag.
type PullRequest struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	// Author is the author's GitHub login.
	Author string `json:"author"`
	URL    string `json:"url"`
}

// PublishRequest asks for the GitHub release of a tag.
type PublishRequest struct {
	GitHub GitHubRepo `json:"github"`
	Tag    string     `json:"tag"`
	// Name is the release's title (default the tag).
	Name string `json:"name,omitempty"`
	// Body is the release notes, in Markdown.
	Body string `json:"body"`
}

// PublishResult is the release's web page.
type PublishResult struct {
	URL string `json:"url"`
}

// Activity names of the GitHub capability; see names.go for why they are
// stable.
const (
	WaitForChecksName  = "WaitForChecks"
	OpenPullsName      = "OpenPulls"
	PublishReleaseName = "PublishRelease"
)
