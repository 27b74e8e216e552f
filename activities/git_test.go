package activities

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
)

// runActivity runs one activity in the SDK's activity test environment.
func runActivity[Req, Res any](t *testing.T, fn func(context.Context, Req) (Res, error), req Req) (Res, error) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(fn)
	var res Res
	v, err := env.ExecuteActivity(fn, req)
	if err != nil {
		return res, err
	}
	return res, v.Get(&res)
}

func appErrType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Type()
	}
	return ""
}

func TestTag(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	first := repo.WriteCommit(t, "feat: one", map[string]string{"a": "1"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	g := &Git{Dir: t.TempDir()}
	req := contract.TagRequest{Product: "shop", RepoURL: remote, Ref: "main", Tag: "v1.4.0", Message: "shop v1.4.0"}

	res, err := runActivity(t, g.Tag, req)
	if err != nil || res.Commit != first || !res.Created {
		t.Fatalf("Tag = %+v, %v; want created at %s", res, err, first)
	}
	if got := repo.Git(t, "ls-remote", "origin", "refs/tags/v1.4.0^{}"); !strings.HasPrefix(got, first) {
		t.Errorf("remote tag = %q, want %s", got, first)
	}

	// main moves on; a retry of the same activity must keep the tagged commit.
	repo.WriteCommit(t, "feat: two", map[string]string{"a": "2"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	res, err = runActivity(t, g.Tag, req)
	if err != nil || res.Commit != first || res.Created {
		t.Errorf("retried Tag = %+v, %v; want the existing tag at %s", res, err, first)
	}

	// A fresh working copy (another worker) agrees.
	res, err = runActivity(t, (&Git{Dir: t.TempDir()}).Tag, req)
	if err != nil || res.Commit != first {
		t.Errorf("Tag from a fresh working copy = %+v, %v", res, err)
	}

	if _, err := runActivity(t, g.Tag, contract.TagRequest{Product: "shop", RepoURL: remote, Ref: "no-such-branch", Tag: "v1.5.0"}); appErrType(err) != contract.ErrBadInput || !strings.Contains(err.Error(), `"no-such-branch" is neither a branch`) {
		t.Errorf("unknown ref: %v (type %q)", err, appErrType(err))
	}
	if _, err := runActivity(t, g.Tag, contract.TagRequest{Product: "shop", RepoURL: remote, Ref: "main", Tag: "1.5"}); appErrType(err) != contract.ErrBadInput {
		t.Errorf("bad version: %v", err)
	}
	if _, err := runActivity(t, g.Tag, contract.TagRequest{Product: "shop", RepoURL: filepath.Join(t.TempDir(), "missing.git"), Ref: "main", Tag: "v1.5.0"}); err == nil {
		t.Error("tagging a missing repository succeeded")
	}
}

func TestRunTests(t *testing.T) {
	gittest.Isolate(t)
	repo, remote := gittest.NewWithRemote(t)
	sha := repo.WriteCommit(t, "feat: tests", map[string]string{
		"pass.sh": "echo checking; test -f pass.sh && echo all good\n",
		"fail.sh": "for i in 1 2 3; do echo line $i; done; echo FAIL TestCheckout >&2; exit 3\n",
		"dirty":   "tracked\n",
	})
	repo.Git(t, "push", "--quiet", "origin", "main")
	repo.Git(t, "tag", "v1.4.0")
	repo.Git(t, "push", "--quiet", "origin", "v1.4.0")
	tests := &Tests{Dir: t.TempDir()}

	res, err := runActivity(t, tests.RunTests, contract.TestRequest{Product: "shop", RepoURL: remote, Tag: "v1.4.0", Commit: sha, Command: "sh pass.sh", TimeoutSeconds: 60})
	if err != nil || !strings.Contains(strings.Join(res.Tail, "\n"), "all good") {
		t.Fatalf("passing tests: %+v, %v", res, err)
	}
	_, err = runActivity(t, tests.RunTests, contract.TestRequest{Product: "shop", RepoURL: remote, Tag: "v1.4.0", Commit: sha, Command: "sh fail.sh", TimeoutSeconds: 60})
	if appErrType(err) != contract.ErrTestFailed || !strings.Contains(err.Error(), "FAIL TestCheckout") || !strings.Contains(err.Error(), "exited 3") {
		t.Errorf("failing tests: %v (type %q); want TestsFailed with the exit code and the tail", err, appErrType(err))
	}
	_, err = runActivity(t, tests.RunTests, contract.TestRequest{Product: "shop", RepoURL: remote, Tag: "v1.4.0", Commit: sha, Command: "sleep 30", TimeoutSeconds: 1})
	if appErrType(err) != contract.ErrTestFailed || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("slow tests: %v; want a timeout failure", err)
	}
	_, err = runActivity(t, tests.RunTests, contract.TestRequest{Product: "shop", RepoURL: remote, Tag: "v1.4.0", Commit: strings.Repeat("0", 40), Command: "true", TimeoutSeconds: 60})
	if appErrType(err) != contract.ErrConflict || !strings.Contains(err.Error(), "someone moved the tag") {
		t.Errorf("moved tag: %v", err)
	}
}

// goEnvOf asks the go command for one of its settings.
func goEnvOf(key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
