package githubtest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/github/githubtest"
)

// TestServerAnswersLikeGitHub checks what the fake does before any
// endpoint's own logic: authentication, private repositories and the
// failures a test sets.
func TestServerAnswersLikeGitHub(t *testing.T) {
	s := githubtest.New(t, "acme", "shop")
	const pulls = "/api/v3/repos/acme/shop/pulls"
	tests := []struct {
		name          string
		setup         func()
		method, path  string
		authorization string
		want          int
	}{
		{name: "token_reads", method: "GET", path: pulls, authorization: "Bearer " + githubtest.Token, want: 200},
		{name: "wrong_token_is_unauthorized", method: "GET", path: pulls, authorization: "Bearer nope", want: 401},
		{name: "private_repository_is_hidden_without_a_token", method: "GET", path: pulls, want: 404},
		{name: "public_repository_reads_without_a_token", setup: func() { s.SetPublic(true) }, method: "GET", path: pulls, want: 200},
		{name: "writing_needs_a_token_even_when_public", method: "POST", path: "/api/v3/repos/acme/shop/releases", want: 401},
		{name: "other_repository_is_not_found", method: "GET", path: "/api/v3/repos/acme/other/pulls", authorization: "Bearer " + githubtest.Token, want: 404},
		{name: "failure_set_by_the_test", setup: func() { s.Fail(githubtest.ListPulls, 502) }, method: "GET", path: pulls, authorization: "Bearer " + githubtest.Token, want: 502},
		{name: "failure_cleared", setup: func() { s.Fail(githubtest.ListPulls, 0) }, method: "GET", path: pulls, authorization: "Bearer " + githubtest.Token, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL()+tt.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
		})
	}
	// Counted: the reads that got past authentication, failed one included.
	if n := s.Requests(githubtest.ListPulls); n != 4 {
		t.Errorf("Requests(ListPulls) = %d, want 4", n)
	}
	if got := s.Authorizations(); len(got) != len(tests) || !slices.Contains(got, "") {
		t.Errorf("Authorizations = %q, want one per request, some empty", got)
	}
}
