// Package githubtest is a STATEFUL FAKE of exactly the GitHub REST
// endpoints internal/github's Client uses, served by httptest, because
// GitHub cannot run here. It is not a GitHub emulator: any other endpoint
// answers 404.
//
// A Server keeps one repository's check runs, commit statuses, pull
// requests and releases in memory. Tests change that state between calls
// as GitHub would (a check finishing, a pull request merging), and read
// back what the code under test wrote (releases) and how it asked
// (request counts, Authorization headers). Lists are paginated with Link
// headers like GitHub's.
package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// Token is the token a new Server accepts.
const Token = "test-token"

// The endpoints the fake serves, as http.ServeMux patterns; Requests and
// Fail take them.
const (
	CheckRuns       = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
	CombinedStatus  = "GET /repos/{owner}/{repo}/commits/{ref}/status"
	ListPulls       = "GET /repos/{owner}/{repo}/pulls"
	PullsWithCommit = "GET /repos/{owner}/{repo}/commits/{ref}/pulls"
	ReleaseByTag    = "GET /repos/{owner}/{repo}/releases/tags/{tag}"
	CreateRelease   = "POST /repos/{owner}/{repo}/releases"
)

// Pull request states (Pull.State).
const (
	Open   = "open"
	Closed = "closed" // closed without merging
	Merged = "merged"
)

// Pull is a pull request as a test sets it up.
type Pull struct {
	Number int
	Title  string
	// Author is the author's login.
	Author string
	// Base is the branch the pull request targets (default "main").
	Base   string
	Labels []string
	// State is Open (default), Closed or Merged.
	State string
	// MergeCommit is the commit a merged pull request became on Base; on
	// an open one it is GitHub's test merge.
	MergeCommit string
	// Commits are the pull request's own commits.
	Commits []string
}

// mergedAt is when every merged pull request was merged.
var mergedAt = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// Server is the fake GitHub of one repository, owner/repo. Its methods
// are safe to call while the code under test makes requests.
type Server struct {
	owner, repo string
	srv         *httptest.Server

	mu         sync.Mutex
	token      string
	public     bool
	maxPerPage int
	checkRuns  map[string][]*gh.CheckRun   // by commit
	statuses   map[string][]*gh.RepoStatus // by commit, one per context
	pulls      []pull
	releases   map[string]*gh.RepositoryRelease // by tag
	miss       map[string]bool                  // tags the next lookup does not find
	failing    map[string]int                   // status code by endpoint
	requests   map[string]int                   // by endpoint
	auth       []string                         // Authorization header of every request
}

// pull is a stored pull request and the commits it contains.
type pull struct {
	pr      *gh.PullRequest
	commits []string
}

// New starts a fake GitHub Enterprise server holding owner/repo, empty and
// private, that accepts Token; it stops when the test ends. Point the
// client at URL().
func New(t testing.TB, owner, repo string) *Server {
	t.Helper()
	s := &Server{
		owner: owner, repo: repo,
		token:      Token,
		maxPerPage: 100,
		checkRuns:  make(map[string][]*gh.CheckRun),
		statuses:   make(map[string][]*gh.RepoStatus),
		releases:   make(map[string]*gh.RepositoryRelease),
		miss:       make(map[string]bool),
		failing:    make(map[string]int),
		requests:   make(map[string]int),
	}
	mux := http.NewServeMux()
	s.handle(mux, CheckRuns, s.listCheckRuns)
	s.handle(mux, CombinedStatus, s.combinedStatus)
	s.handle(mux, ListPulls, s.listPulls)
	s.handle(mux, PullsWithCommit, s.pullsWithCommit)
	s.handle(mux, ReleaseByTag, s.releaseByTag)
	s.handle(mux, CreateRelease, s.createRelease)
	// An Enterprise server serves the API under /api/v3.
	s.srv = httptest.NewServer(http.StripPrefix("/api/v3", mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, to use as a GitHub Enterprise API URL.
func (s *Server) URL() string {
	return s.srv.URL
}

// SetToken makes the server accept token instead of Token.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetPublic makes the repository public: requests without a token may
// read it, as on GitHub. Writing always needs the token.
func (s *Server) SetPublic(public bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.public = public
}

// SetMaxPerPage caps the page size of lists (GitHub's cap is 100), so
// tests can make the client follow Link headers.
func (s *Server) SetMaxPerPage(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxPerPage = n
}

// SetCheckRun adds or replaces the check run called name on commit sha.
// status is "queued", "in_progress" or "completed"; conclusion, for a
// completed run, is "success", "failure", "skipped" and so on.
func (s *Server) SetCheckRun(sha, name, status, conclusion string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := &gh.CheckRun{Name: gh.String(name), HeadSHA: gh.String(sha), Status: gh.String(status)}
	if conclusion != "" {
		run.Conclusion = gh.String(conclusion)
	}
	runs := slices.DeleteFunc(s.checkRuns[sha], func(r *gh.CheckRun) bool { return r.GetName() == name })
	s.checkRuns[sha] = append(runs, run)
}

// SetStatus sets the latest commit status of context on commit sha:
// "pending", "success", "failure" or "error".
func (s *Server) SetStatus(sha, context, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sts := slices.DeleteFunc(s.statuses[sha], func(st *gh.RepoStatus) bool { return st.GetContext() == context })
	s.statuses[sha] = append(sts, &gh.RepoStatus{Context: gh.String(context), State: gh.String(state)})
}

// AddPull stores a pull request; lists return the newest added first.
func (s *Server) AddPull(p Pull) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := p.Base
	if base == "" {
		base = "main"
	}
	state := p.State
	if state == "" {
		state = Open
	}
	pr := &gh.PullRequest{
		Number:  gh.Int(p.Number),
		Title:   gh.String(p.Title),
		State:   gh.String(state),
		User:    &gh.User{Login: gh.String(p.Author)},
		Base:    &gh.PullRequestBranch{Ref: gh.String(base)},
		HTMLURL: gh.String(fmt.Sprintf("https://github.example.com/%s/%s/pull/%d", s.owner, s.repo, p.Number)),
	}
	if state == Merged {
		// GitHub has no "merged" state: a merged pull request is closed
		// and has a merge time.
		pr.State = gh.String(Closed)
		pr.MergedAt = &gh.Timestamp{Time: mergedAt}
	}
	if p.MergeCommit != "" {
		pr.MergeCommitSHA = gh.String(p.MergeCommit)
	}
	for _, l := range p.Labels {
		pr.Labels = append(pr.Labels, &gh.Label{Name: gh.String(l)})
	}
	s.pulls = append(s.pulls, pull{pr: pr, commits: slices.Clone(p.Commits)})
}

// AddRelease stores a release of tag made by someone else.
func (s *Server) AddRelease(tag, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeRelease(tag, tag, body)
}

// MissNextLookup makes the next lookup of tag's release answer 404 even
// if it exists, as if another writer created it just after the lookup.
func (s *Server) MissNextLookup(tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.miss[tag] = true
}

// Fail makes every request to endpoint answer code with a GitHub error
// body, as during an outage; code 0 makes it answer normally again.
func (s *Server) Fail(endpoint string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.failing, endpoint)
		return
	}
	s.failing[endpoint] = code
}

// Requests counts the requests to endpoint that passed authentication,
// failed ones included.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// Authorizations returns the Authorization header of every request, in
// the order they came, "" for a request without one.
func (s *Server) Authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auth)
}

// ReleaseCount is the number of releases stored.
func (s *Server) ReleaseCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.releases)
}

// ReleaseBody is the body of tag's release, "" if there is none.
func (s *Server) ReleaseBody(tag string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.releases[tag].GetBody()
}

// handle registers h for endpoint behind what every request goes through
// on GitHub: authentication, the repository's existence and visibility,
// and the failures Fail sets.
func (s *Server) handle(mux *http.ServeMux, endpoint string, h http.HandlerFunc) {
	mux.HandleFunc(endpoint, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		auth := r.Header.Get("Authorization")
		s.auth = append(s.auth, auth)
		switch {
		case auth != "" && auth != "Bearer "+s.token:
			writeError(w, http.StatusUnauthorized, "Bad credentials")
			return
		case auth == "" && r.Method != http.MethodGet:
			writeError(w, http.StatusUnauthorized, "Requires authentication")
			return
		case auth == "" && !s.public:
			// GitHub hides private repositories from strangers.
			writeError(w, http.StatusNotFound, "Not Found")
			return
		case r.PathValue("owner") != s.owner || r.PathValue("repo") != s.repo:
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		s.requests[endpoint]++
		if code, ok := s.failing[endpoint]; ok {
			writeError(w, code, http.StatusText(code))
			return
		}
		h(w, r)
	})
}

func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	runs := s.checkRuns[r.PathValue("ref")]
	page := paginate(w, r, runs, s.maxPerPage)
	writeJSON(w, http.StatusOK, &gh.ListCheckRunsResults{Total: gh.Int(len(runs)), CheckRuns: page})
}

// combinedStatus answers like GitHub: the latest status of each context,
// and their combined state (pending when there are none).
func (s *Server) combinedStatus(w http.ResponseWriter, r *http.Request) {
	sts := s.statuses[r.PathValue("ref")]
	state := "success"
	for _, st := range sts {
		switch st.GetState() {
		case "failure", "error":
			state = "failure"
		case "pending":
			if state != "failure" {
				state = "pending"
			}
		}
	}
	if len(sts) == 0 {
		state = "pending"
	}
	page := paginate(w, r, sts, s.maxPerPage)
	writeJSON(w, http.StatusOK, &gh.CombinedStatus{State: gh.String(state), TotalCount: gh.Int(len(sts)), Statuses: page})
}

// listPulls filters by state (default open) and base, newest first.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = Open
	}
	var out []*gh.PullRequest
	for _, p := range slices.Backward(s.pulls) {
		if (state == "all" || p.pr.GetState() == state) && (q.Get("base") == "" || p.pr.GetBase().GetRef() == q.Get("base")) {
			out = append(out, p.pr)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out, s.maxPerPage))
}

// pullsWithCommit answers the pull requests that contain the commit or
// became it when merged, open ones included, as GitHub does.
func (s *Server) pullsWithCommit(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("ref")
	var out []*gh.PullRequest
	for _, p := range s.pulls {
		if slices.Contains(p.commits, sha) || (p.pr.MergedAt != nil && p.pr.GetMergeCommitSHA() == sha) {
			out = append(out, p.pr)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out, s.maxPerPage))
}

func (s *Server) releaseByTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	rel, ok := s.releases[tag]
	if !ok || s.miss[tag] {
		delete(s.miss, tag)
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, rel)
}

// createRelease stores the release; a second one for a tag is refused
// with 422, as GitHub does.
func (s *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	var req gh.RepositoryRelease
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.GetTagName() == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	tag := req.GetTagName()
	if _, ok := s.releases[tag]; ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed",
			"errors":  []map[string]string{{"resource": "Release", "code": "already_exists", "field": "tag_name"}},
		})
		return
	}
	writeJSON(w, http.StatusCreated, s.storeRelease(tag, req.GetName(), req.GetBody()))
}

// storeRelease adds a release; s.mu must be held.
func (s *Server) storeRelease(tag, name, body string) *gh.RepositoryRelease {
	rel := &gh.RepositoryRelease{
		ID:      gh.Int64(int64(len(s.releases) + 1)),
		TagName: gh.String(tag),
		Name:    gh.String(name),
		Body:    gh.String(body),
		HTMLURL: gh.String(fmt.Sprintf("https://github.example.com/%s/%s/releases/tag/%s", s.owner, s.repo, url.PathEscape(tag))),
	}
	s.releases[tag] = rel
	return rel
}

// paginate returns the page of items the request asks for (page, per_page)
// and sets GitHub's Link header for the next and last pages.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T, maxPerPage int) []T {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 30
	}
	per = min(per, maxPerPage)
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	last := max(1, (len(items)+per-1)/per)
	link := func(p int, rel string) string {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		u.Path = "/api/v3" + r.URL.Path
		v := u.Query()
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(per))
		u.RawQuery = v.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	if page < last {
		w.Header().Set("Link", link(page+1, "next")+", "+link(last, "last"))
	}
	start := min((page-1)*per, len(items))
	return items[start:min(start+per, len(items))]
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, message string) {
	writeJSON(w, code, map[string]string{"message": message})
}
