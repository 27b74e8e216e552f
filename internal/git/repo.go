// Package git drives the git command line for release work: clone, branch,
// tag, cherry-pick, log and push, in working copies the pipeline owns.
//
// Every command runs with the identity of the Repo as committer and tagger,
// without prompts and in the C locale, so it behaves the same on a machine
// with no git configuration at all. Operations that a retried activity may
// repeat (CreateBranch, Tag, Push) are idempotent, and none of them ever
// forces: a branch or tag found somewhere unexpected is reported.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The committer and tagger of a Repo with no Identity.
const (
	DefaultName  = "Signalman"
	DefaultEmail = "signalman@localhost"
)

// Identity is a git user: who commits, tags and cherry-picks.
type Identity struct {
	Name  string
	Email string
}

// Repo is a working copy.
type Repo struct {
	// Dir is the top directory of the working copy.
	Dir string
	// Identity commits and tags; empty fields mean DefaultName and DefaultEmail.
	Identity Identity
}

// waitDelay bounds the wait for git's output once git has exited or the
// context is done, in case a helper it started (ssh, a credential helper)
// still holds the output open.
const waitDelay = 5 * time.Second

// run runs git in the working copy and returns its standard output.
func (r *Repo) run(ctx context.Context, args ...string) (string, error) {
	return runGit(ctx, r.Dir, r.Identity, args...)
}

// runGit runs git with args in dir. A failure is an *Error carrying
// git's standard error.
func runGit(ctx context.Context, dir string, id Identity, args ...string) (string, error) {
	if id.Name == "" {
		id.Name = DefaultName
	}
	if id.Email == "" {
		id.Email = DefaultEmail
	}
	cmd := exec.CommandContext(ctx, "git", append(configArgs(id), args...)...)
	cmd.Dir = dir
	cmd.Env = environ()
	cmd.WaitDelay = waitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return stdout.String(), &Error{Args: redactArgs(args), Stderr: redact(lastBytes(stderr.String(), maxStderr), args), Err: err}
	}
	return stdout.String(), nil
}

// configArgs pins the settings git must not take from the machine.
func configArgs(id Identity) []string {
	return []string{
		"-c", "user.name=" + id.Name,
		"-c", "user.email=" + id.Email,
		"-c", "advice.detachedHead=false",
		"-c", "color.ui=false",
		"-c", "log.showSignature=false",
		"-c", "i18n.logOutputEncoding=UTF-8",
	}
}

// environ is the process environment without the variables that would point
// git at another repository or override the Repo's identity, plus the ones
// that make git predictable.
func environ() []string {
	env := make([]string, 0, len(os.Environ())+4)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
			"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
			"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
			"GIT_TERMINAL_PROMPT", "GIT_EDITOR", "GIT_MERGE_AUTOEDIT", "LC_ALL", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	// No prompt and no editor: nobody is there to answer.
	return append(env, "GIT_TERMINAL_PROMPT=0", "GIT_EDITOR=:", "GIT_MERGE_AUTOEDIT=no", "LC_ALL=C")
}

// exitCode is git's exit status in err, or -1 if git did not run to an exit.
func exitCode(err error) int {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode()
	}
	return -1
}

// checkRev refuses a revision or ref that git would read as an option.
func checkRev(kind, rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return fmt.Errorf("invalid %s %q", kind, rev)
	}
	return nil
}
