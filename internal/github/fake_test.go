package github_test

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

	"github.com/signalman/signalman/internal/github"
)

// fake is a STATEFUL FAKE of exactly the GitHub REST endpoints the Client
// uses, served by httptest: an in-memory store of one repository's check
// runs, commit statuses, pull requests and releases. Tests change its
// state between calls as GitHub would. Lists are paginated with Link
// headers like GitHub's, at most maxPerPage a page.
type fake struct {
	owner, repo string
	maxPerPage  int

	mu        sync.Mutex
	checkRuns map[string][]*gh.CheckRun   // by commit
	statuses  map[string][]*gh.RepoStatus // by commit, one per context
	pulls     []fakePull
	releases  map[string]*gh.RepositoryRelease // by tag
	miss      map[string]bool                  // tags the next lookup does not find
	requests  map[string]int                   // by "METHOD pattern"
}

// fakePull is a pull request and the commits it contains.
type fakePull struct {
	pr      *gh.PullRequest
	commits []string
}

// newFake starts a fake for owner/repo and returns it with a Client
// talking to it as to a GitHub Enterprise server.
func newFake(t *testing.T, owner, repo string) (*fake, *github.Client) {
	t.Helper()
	f := &fake{
		owner: owner, repo: repo, maxPerPage: 100,
		checkRuns: make(map[string][]*gh.CheckRun),
		statuses:  make(map[string][]*gh.RepoStatus),
		releases:  make(map[string]*gh.RepositoryRelease),
		miss:      make(map[string]bool),
		requests:  make(map[string]int),
	}
	mux := http.NewServeMux()
	f.handle(mux, "GET /repos/{o}/{r}/commits/{ref}/check-runs", f.listCheckRuns)
	f.handle(mux, "GET /repos/{o}/{r}/commits/{ref}/status", f.combinedStatus)
	f.handle(mux, "GET /repos/{o}/{r}/pulls", f.listPulls)
	f.handle(mux, "GET /repos/{o}/{r}/commits/{ref}/pulls", f.pullsWithCommit)
	f.handle(mux, "GET /repos/{o}/{r}/releases/tags/{tag}", f.releaseByTag)
	f.handle(mux, "POST /repos/{o}/{r}/releases", f.createRelease)
	srv := httptest.NewServer(http.StripPrefix("/api/v3", mux))
	t.Cleanup(srv.Close)
	c, err := github.New(srv.URL, "test-token")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f, c
}

// handle registers h for pattern behind the checks every request gets:
// the token, and the repository.
func (f *fake) handle(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer test-token" {
			writeError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		if r.PathValue("o") != f.owner || r.PathValue("r") != f.repo {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.requests[pattern]++
		h(w, r)
	})
}

func (f *fake) setCheckRun(sha, name, status, conclusion string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	run := &gh.CheckRun{Name: gh.String(name), HeadSHA: gh.String(sha), Status: gh.String(status)}
	if conclusion != "" {
		run.Conclusion = gh.String(conclusion)
	}
	runs := slices.DeleteFunc(f.checkRuns[sha], func(r *gh.CheckRun) bool { return r.GetName() == name })
	f.checkRuns[sha] = append(runs, run)
}

func (f *fake) setStatus(sha, context, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sts := slices.DeleteFunc(f.statuses[sha], func(s *gh.RepoStatus) bool { return s.GetContext() == context })
	f.statuses[sha] = append(sts, &gh.RepoStatus{Context: gh.String(context), State: gh.String(state)})
}

// addPull stores a pull request; merged ones get a merge commit and time.
func (f *fake) addPull(number int, title, author, base, state string, labels []string, mergeCommit string, commits ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pr := &gh.PullRequest{
		Number:  gh.Int(number),
		Title:   gh.String(title),
		State:   gh.String(state),
		User:    &gh.User{Login: gh.String(author)},
		Base:    &gh.PullRequestBranch{Ref: gh.String(base)},
		HTMLURL: gh.String(fmt.Sprintf("https://github.example.com/%s/%s/pull/%d", f.owner, f.repo, number)),
	}
	for _, l := range labels {
		pr.Labels = append(pr.Labels, &gh.Label{Name: gh.String(l)})
	}
	if mergeCommit != "" {
		pr.MergeCommitSHA = gh.String(mergeCommit)
		pr.MergedAt = &gh.Timestamp{Time: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	}
	f.pulls = append(f.pulls, fakePull{pr: pr, commits: commits})
}

func (f *fake) count(pattern string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[pattern]
}

func (f *fake) releaseCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.releases)
}

func (f *fake) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	runs := f.checkRuns[r.PathValue("ref")]
	page := paginate(w, r, runs, f.maxPerPage)
	writeJSON(w, http.StatusOK, &gh.ListCheckRunsResults{Total: gh.Int(len(runs)), CheckRuns: page})
}

// combinedStatus answers like GitHub: the latest status of each context,
// and their combined state (pending when there are none).
func (f *fake) combinedStatus(w http.ResponseWriter, r *http.Request) {
	sts := f.statuses[r.PathValue("ref")]
	state := "success"
	for _, s := range sts {
		switch s.GetState() {
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
	page := paginate(w, r, sts, f.maxPerPage)
	writeJSON(w, http.StatusOK, &gh.CombinedStatus{State: gh.String(state), TotalCount: gh.Int(len(sts)), Statuses: page})
}

// listPulls filters by state (default open) and base, newest first.
func (f *fake) listPulls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var out []*gh.PullRequest
	for _, p := range slices.Backward(f.pulls) {
		if (state == "all" || p.pr.GetState() == state) && (q.Get("base") == "" || p.pr.GetBase().GetRef() == q.Get("base")) {
			out = append(out, p.pr)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out, f.maxPerPage))
}

func (f *fake) pullsWithCommit(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("ref")
	var out []*gh.PullRequest
	for _, p := range f.pulls {
		if slices.Contains(p.commits, sha) || p.pr.GetMergeCommitSHA() == sha {
			out = append(out, p.pr)
		}
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out, f.maxPerPage))
}

func (f *fake) releaseByTag(w http.ResponseWriter, r *http.Request) {
	tag := r.PathValue("tag")
	rel, ok := f.releases[tag]
	if !ok || f.miss[tag] {
		delete(f.miss, tag)
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, rel)
}

// createRelease stores the release; a second one for a tag is refused
// with 422, as GitHub does.
func (f *fake) createRelease(w http.ResponseWriter, r *http.Request) {
	var req gh.RepositoryRelease
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.GetTagName() == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	tag := req.GetTagName()
	if _, ok := f.releases[tag]; ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "Validation Failed",
			"errors":  []map[string]string{{"resource": "Release", "code": "already_exists", "field": "tag_name"}},
		})
		return
	}
	writeJSON(w, http.StatusCreated, f.storeRelease(tag, req.GetName(), req.GetBody()))
}

// storeRelease adds a release; f.mu must be held.
func (f *fake) storeRelease(tag, name, body string) *gh.RepositoryRelease {
	rel := &gh.RepositoryRelease{
		ID:      gh.Int64(int64(len(f.releases) + 1)),
		TagName: gh.String(tag),
		Name:    gh.String(name),
		Body:    gh.String(body),
		HTMLURL: gh.String(fmt.Sprintf("https://github.example.com/%s/%s/releases/tag/%s", f.owner, f.repo, url.PathEscape(tag))),
	}
	f.releases[tag] = rel
	return rel
}

// addRelease stores a release made by someone else.
func (f *fake) addRelease(tag, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.storeRelease(tag, tag, body)
}

// missNextLookup makes the next lookup of tag answer 404 even if it exists.
func (f *fake) missNextLookup(tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.miss[tag] = true
}

func (f *fake) releaseBody(tag string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.releases[tag].GetBody()
}

// paginate returns the page of items that r asks for (page, per_page)
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
