// Package github adapts the GitHub REST API (go-github v60) to what the
// release pipeline asks of it: the state of a commit's checks, the pull
// requests of a train, and idempotent releases.
package github

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// requestTimeout bounds one HTTP request; callers bound whole calls with
// their context.
const requestTimeout = time.Minute

// perPage is the largest page GitHub serves.
const perPage = 100

// Client talks to one GitHub (github.com or an Enterprise server).
type Client struct {
	gh *github.Client
}

// New returns a Client for the API at baseURL ("" for api.github.com; an
// Enterprise server's URL, to which "/api/v3/" is added unless present)
// that authenticates with token (none if empty). The caller reads the
// token from the environment so it never enters workflow history.
func New(baseURL, token string) (*Client, error) {
	gh := github.NewClient(&http.Client{Timeout: requestTimeout})
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("github API URL %q: want an http or https URL such as https://github.example.com", baseURL)
		}
		if gh, err = gh.WithEnterpriseURLs(baseURL, baseURL); err != nil {
			return nil, fmt.Errorf("github API URL %q: %w", baseURL, err)
		}
	}
	return &Client{gh: gh}, nil
}

// ErrBadRepo is returned by ParseRepo for anything but "owner/name".
var ErrBadRepo = errors.New(`want a repository as "owner/name"`)

// ParseRepo splits "owner/name" into its owner and name.
func ParseRepo(s string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !validPart(owner) || !validPart(name) {
		return "", "", fmt.Errorf("repository %q: %w", s, ErrBadRepo)
	}
	return owner, name, nil
}

// validPart reports whether s can be an owner or repository name: the
// letters, digits and "-_." GitHub allows, and not a path element.
func validPart(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// isNotFound reports whether err is GitHub's 404.
func isNotFound(err error) bool {
	var e *github.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == http.StatusNotFound
}

// isUnprocessable reports whether err is GitHub's 422 (validation failed).
func isUnprocessable(err error) bool {
	var e *github.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == http.StatusUnprocessableEntity
}
