package firsthour

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
)

// TestQuickStart follows README.md's Quick start word for word, as a new
// user would on a fresh machine: the commands are read from the section's
// code blocks, so the README and this test cannot drift apart. The worker
// runs as `worker --dev` (its own Temporal server, registry and keys), the
// CLI as a process in the directories the commands cd into. The test passes
// the waits the README describes as they come: it grants the window
// exception when the deploy window is shut at test time and answers a
// canary that asks. After `signalman down`, no router or service instance
// of the data directory may be left running.
func TestQuickStart(t *testing.T) {
	qs := readQuickStart(t)
	u := &trialUser{t: t, cwd: t.TempDir(), data: t.TempDir()}
	for _, line := range qs.lines {
		u.do(line, qs)
	}
	for _, want := range []string{"go run ./worker --dev", "signalman release start", "signalman watch", "signalman signoff",
		"signalman approve", "signalman override-window", "signalman status", "signalman list", "signalman down"} {
		if !qs.has(want) {
			t.Errorf("the Quick start has no %q", want)
		}
	}
	if u.worker == nil || u.version == "" || !u.drove || u.down == nil {
		t.Fatalf("the Quick start did not start the worker, release a version, see it to production and take it down (worker %v, version %q, reached the end %v, down %v)",
			u.worker != nil, u.version, u.drove, u.down != nil)
	}

	// `down` stopped every router and instance of the release, each once,
	// and each process it names is gone.
	if len(u.down) != 2*3*2 {
		t.Errorf("down stopped %d things, want a router and an instance for each of 3 services on stage and prod:\n%s", len(u.down), u.downOut)
	}
	for _, s := range u.down {
		if processRunning(s.pid) {
			t.Errorf("down says it stopped %s of %s on %s (pid %d), but it still runs", s.what, s.service, s.env, s.pid)
		}
	}
	if out := u.signalman("down"); !strings.Contains(out, "nothing running under "+u.data) {
		t.Errorf("a second down printed %q, want nothing running", out)
	}

	// Ctrl-C stops the worker cleanly; then nothing of the data directory runs.
	u.worker.Process.Signal(os.Interrupt)
	select {
	case err := <-u.workerDone:
		if err != nil {
			t.Errorf("worker after Ctrl-C: %v\n%s", err, e2e.LastLines(u.workerLogs.String(), 30))
		}
	case <-time.After(90 * time.Second):
		t.Errorf("worker still running 90s after Ctrl-C")
	}
	if left := localProcesses(t, u.data); len(left) > 0 {
		t.Errorf("after down and Ctrl-C, processes of the data directory still run:\n%s", strings.Join(left, "\n"))
	}
}

// quickStart is README.md's Quick start: the lines of its sh blocks, and
// its text for what is not in a block.
type quickStart struct {
	lines []string
	text  string
}

func (q quickStart) has(prefix string) bool {
	for _, l := range q.lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// canary is the README's answer to a canary waiting for a person, for version.
func (q quickStart) canary(t *testing.T, version string) []string {
	m := regexp.MustCompile("`signalman (canary v[0-9.]+ continue[^`]*)`").FindStringSubmatch(q.text)
	if m == nil {
		t.Fatal("a canary asks for a decision, but the Quick start does not say how to answer it (`signalman canary VERSION continue ...`)")
	}
	args := shellWords(t, m[1])
	args[1] = version
	return args
}

func readQuickStart(t *testing.T) quickStart {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n## Quick start\n")
	if !ok {
		t.Fatal("README.md has no ## Quick start section")
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	q := quickStart{text: rest}
	inBlock := false
	for _, l := range strings.Split(rest, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "```sh":
			inBlock = true
		case l == "```":
			inBlock = false
		case inBlock && l != "" && !strings.HasPrefix(l, "#"):
			q.lines = append(q.lines, l)
		}
	}
	if len(q.lines) == 0 {
		t.Fatal("README.md's Quick start has no sh code block")
	}
	return q
}

// trialUser is a person at two terminals following the Quick start.
type trialUser struct {
	t          *testing.T
	cwd, data  string
	addr       string
	worker     *exec.Cmd
	workerDone chan error
	workerLogs *e2e.SyncBuffer
	watch      chan string // what watch printed, once it ended well
	version    string
	override   []string // the window exception, once read
	drove      bool     // the release reached its end
	down       []stopped
	downOut    string
}

// stopped is one line of `signalman down`.
type stopped struct {
	env, service, what string
	pid                int
}

// do runs one line of the Quick start.
func (u *trialUser) do(line string, qs quickStart) {
	t := u.t
	t.Logf("$ %s", line)
	args := shellWords(t, line)
	switch {
	case line == "go build -o signalman ./starter":
		// TestMain built it: e2e.Bin.CLI.
	case line == "go run ./worker --dev":
		u.startWorker()
	case strings.HasPrefix(line, `export PATH="$PWD:$PATH"`):
		// signalman is run as e2e.Bin.CLI.
	case args[0] == "cd" && len(args) == 2:
		u.cwd = filepath.Join(u.cwd, args[1])
	case args[0] == "signalman":
		u.command(args[1:], qs)
	default:
		t.Fatalf("the Quick start line %q is not one this test knows how to run; teach TestQuickStart", line)
	}
}

// command runs one signalman command line as the user would at that
// point: after waiting for what the command needs.
func (u *trialUser) command(args []string, qs quickStart) {
	t := u.t
	switch args[0] {
	case "release":
		u.version = args[2]
		u.signalman(args...)
	case "watch":
		u.startWatch(args)
	case "signoff":
		e2e.WaitForStage(t, u.addr, u.version, workflows.StageQASignoff, 8*time.Minute)
		u.signalman(args...)
	case "approve":
		e2e.WaitForStage(t, u.addr, u.version, workflows.StageApproval, time.Minute)
		u.signalman(args...)
	case "override-window":
		u.override = args
	case "status":
		u.toTheEnd(qs)
		if out := u.signalman(args...); !strings.Contains(out, "succeeded") {
			t.Errorf("status after the release: %s", out)
		}
	case "list":
		if out := u.signalman(args...); !strings.Contains(out, u.version) {
			t.Errorf("list does not show %s: %s", u.version, out)
		}
	case "down":
		u.takeDown(args)
	default:
		u.signalman(args...)
	}
}

// toTheEnd waits for the release to end, passing the waits the Quick
// start explains, and for watch to end with it.
func (u *trialUser) toTheEnd(qs quickStart) {
	t := u.t
	asked := map[string]bool{}
	e2e.Eventually(t, 8*time.Minute, u.version+" in production", func() (bool, string) {
		st, err := e2e.Status(t, u.addr, u.version)
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() {
			if st.State != workflows.Succeeded {
				t.Fatalf("%s %s: %s\n%s", u.version, st.State, st.Error, e2e.LastLines(u.workerLogs.String(), 40))
			}
			return true, ""
		}
		window := *st.StageNamed(workflows.StageWindow)
		switch {
		case st.Stage == workflows.StageWindow && window.State == workflows.Waiting && (strings.Contains(window.Detail, "window shut") || strings.Contains(window.Detail, "too soon for a deploy")) && st.Exception == nil:
			if u.override == nil {
				t.Fatalf("the deploy window is shut (%s), but the Quick start does not say how to pass it before this point", window.Detail)
			}
			t.Logf("the deploy window is shut (%s): $ signalman %s", window.Detail, shellJoin(u.override))
			u.signalman(u.override...)
		case strings.Contains(st.DeployPhase, "marginal") && !asked[st.Deploying+st.DeployPhase]:
			asked[st.Deploying+st.DeployPhase] = true
			answer := qs.canary(t, u.version)
			t.Logf("the canary asks (%s): $ signalman %s", st.DeployPhase, shellJoin(answer))
			u.signalman(answer...)
		}
		return false, fmt.Sprintf("%s %s: %s %s", st.Stage, window.State, window.Detail, st.DeployPhase)
	})
	u.drove = true
	select {
	case out := <-u.watch:
		if !strings.Contains(out, "succeeded") {
			t.Errorf("watch ended, printing:\n%s", e2e.LastLines(out, 20))
		}
	case <-time.After(30 * time.Second):
		t.Errorf("watch did not end within 30s of the release")
	}
}

// takeDown runs `signalman down` with the release's routers and
// instances running, and reads what it says it stopped.
func (u *trialUser) takeDown(args []string) {
	t := u.t
	if running := localProcesses(t, u.data); len(running) < 12 {
		t.Errorf("before down, %d processes run under the data directory, want a router and an instance per service and environment:\n%s", len(running), strings.Join(running, "\n"))
	}
	u.downOut = u.signalman(args...)
	t.Logf("down printed:\n%s", u.downOut)
	line := regexp.MustCompile(`^stopped\s+shop\s+(stage|prod)\s+(\S+)\s+(router|instance) pid (\d+)`)
	for _, l := range strings.Split(strings.TrimSpace(u.downOut), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("down printed %q, want: stopped PRODUCT ENV SERVICE router|instance pid N", l)
			continue
		}
		pid, _ := strconv.Atoi(m[4])
		u.down = append(u.down, stopped{env: m[1], service: m[2], what: m[3], pid: pid})
	}
}

// startWorker runs `worker --dev` on ports of its own, with the data
// directory in SIGNALMAN_DATA, as the README's default ~/.signalman.
func (u *trialUser) startWorker() {
	t := u.t
	u.addr = e2e.FreePort(t)
	cmd := exec.Command(e2e.Bin.Worker, "--dev", "--address", u.addr, "--ui", e2e.FreePort(t),
		"--registry-addr", e2e.FreePort(t), "--metrics", e2e.FreePort(t))
	cmd.Dir = u.cwd
	cmd.Env = append(append(os.Environ(), e2e.GoEnv...), "SIGNALMAN_DATA="+u.data)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &e2e.SyncBuffer{}
	u.workerLogs = logs
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	u.worker = cmd
	u.workerDone = make(chan error, 1)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), `"msg":"worker polling"`) {
				select {
				case ready <- true:
				default:
				}
			}
		}
		io.Copy(logs, out)
		close(ready)
		u.workerDone <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if err := app.Cleanup(context.Background(), u.data); err != nil {
			t.Errorf("stop what the trial left running: %v", err)
		}
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("worker output:\n%s", e2e.LastLines(logs.String(), 60))
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("worker --dev exited before it was ready:\n%s", logs.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("worker --dev not ready after 3 minutes:\n%s", logs.String())
	}
}

// startWatch runs watch in the background, as in a terminal left open;
// what it printed arrives on u.watch once it ends, if it ended well.
func (u *trialUser) startWatch(args []string) {
	t := u.t
	cmd := exec.Command(e2e.Bin.CLI, args...)
	cmd.Dir, cmd.Env = u.cwd, u.env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	u.watch = make(chan string, 1)
	go func() {
		if err := cmd.Wait(); err != nil {
			out.WriteString("\nwatch: " + err.Error())
		}
		u.watch <- out.String()
	}()
}

func (u *trialUser) env() []string {
	return append(os.Environ(), "TEMPORAL_ADDRESS="+u.addr, "SIGNALMAN_DATA="+u.data)
}

// signalman runs the CLI in the user's directory and fails the test
// unless it exits 0.
func (u *trialUser) signalman(args ...string) string {
	u.t.Helper()
	return runOK(u.t, u.cwd, u.env(), args...)
}

// runCLI runs the signalman binary in dir with env.
func runCLI(t *testing.T, dir string, env []string, args ...string) e2e.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e2e.Bin.CLI, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := e2e.Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run signalman %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// shellWords splits a command line as sh would, for the quoting the
// README uses: words, "double" and 'single' quotes, a # comment.
func shellWords(t *testing.T, line string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			return words
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// shellJoin writes words as a command line, quoting those with spaces.
func shellJoin(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = w
		if strings.ContainsAny(w, " \t") {
			quoted[i] = strconv.Quote(w)
		}
	}
	return strings.Join(quoted, " ")
}

// localProcesses lists the processes (pid and command line) whose command
// line, executable or working directory is under dir: the routers and
// service instances a worker started from that data directory.
func localProcesses(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to look for processes in: %v", err)
	}
	var found []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || !processRunning(pid) {
			continue
		}
		proc := filepath.Join("/proc", e.Name())
		cmdline, _ := os.ReadFile(filepath.Join(proc, "cmdline"))
		args := strings.ReplaceAll(string(bytes.TrimRight(cmdline, "\x00")), "\x00", " ")
		exe, _ := os.Readlink(filepath.Join(proc, "exe"))
		cwd, _ := os.Readlink(filepath.Join(proc, "cwd"))
		if strings.Contains(args, dir) || strings.HasPrefix(exe, dir) || strings.HasPrefix(cwd, dir) {
			found = append(found, fmt.Sprintf("pid %d: %s", pid, args))
		}
	}
	return found
}

// processRunning reports whether pid names a process that has not ended
// (a zombie waiting for its parent has ended).
func processRunning(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// TestInit checks what `signalman init` refuses, and that the pipeline
// files it writes pass `signalman config validate`.
func TestInit(t *testing.T) {
	env := os.Environ()
	gitIn := func(t *testing.T, dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	t.Run("example_is_a_repository_pushed_to_its_remote_and_validates", func(t *testing.T) {
		dir := t.TempDir()
		runOK(t, dir, env, "init", "--example", "trial")
		shop := filepath.Join(dir, "trial", "shop")
		out := runOK(t, shop, env, "config", "validate", "signalman.yaml")
		if !strings.Contains(out, "valid (product shop, 3 service(s))") {
			t.Errorf("validate: %s", out)
		}
		yaml, err := os.ReadFile(filepath.Join(shop, "signalman.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"url: " + filepath.Join(dir, "trial", "shop.git"), "ship_delay: 0s", "override-window", "canary VERSION continue"} {
			if !strings.Contains(string(yaml), want) {
				t.Errorf("the trial's signalman.yaml lacks %q:\n%s", want, yaml)
			}
		}
		cmd := exec.Command("git", "ls-remote", filepath.Join(dir, "trial", "shop.git"), "refs/heads/main")
		if out, err := cmd.Output(); err != nil || !strings.Contains(string(out), "refs/heads/main") {
			t.Errorf("the bare remote has no main: %q, %v", out, err)
		}
		cmd = exec.Command("git", "status", "--porcelain")
		cmd.Dir = shop
		if out, err := cmd.Output(); err != nil || len(out) != 0 {
			t.Errorf("the trial's working tree is not clean (everything committed): %q, %v", out, err)
		}
	})

	t.Run("example_refuses_a_directory_that_holds_a_shop", func(t *testing.T) {
		dir := t.TempDir()
		runOK(t, dir, env, "init", "--example", "trial")
		r := runCLI(t, dir, env, "init", "--example", "trial")
		if r.Code != 2 || !strings.Contains(r.Stderr, "already holds a shop repository") {
			t.Errorf("second init --example: exit %d, %s; want exit 2 and why", r.Code, r.Stderr)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "trial"))
		if len(entries) != 2 {
			t.Errorf("trial holds %d entries after the refused init, want shop and shop.git only", len(entries))
		}
	})

	t.Run("skeleton_takes_the_origin_and_validates", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "My_Shop")
		os.Mkdir(dir, 0o755)
		gitIn(t, dir, "init", "--quiet")
		gitIn(t, dir, "remote", "add", "origin", "git@github.com:example/my-shop.git")
		runOK(t, dir, env, "init")
		out := runOK(t, dir, env, "config", "validate", "signalman.yaml")
		if !strings.Contains(out, "valid (product my-shop, 1 service(s))") {
			t.Errorf("validate: %s", out)
		}
		yaml, _ := os.ReadFile(filepath.Join(dir, "signalman.yaml"))
		if !strings.Contains(string(yaml), "url: git@github.com:example/my-shop.git") {
			t.Errorf("the skeleton does not take the origin remote:\n%s", yaml)
		}
		r := runCLI(t, dir, env, "init")
		if r.Code != 2 || !strings.Contains(r.Stderr, "already exists") {
			t.Errorf("init over an existing signalman.yaml: exit %d, %s; want exit 2", r.Code, r.Stderr)
		}
		if again, _ := os.ReadFile(filepath.Join(dir, "signalman.yaml")); !bytes.Equal(again, yaml) {
			t.Error("the refused init changed signalman.yaml")
		}
	})

	t.Run("skeleton_without_origin_needs_repo", func(t *testing.T) {
		dir := t.TempDir()
		r := runCLI(t, dir, env, "init", "--product", "shop")
		if r.Code != 2 || !strings.Contains(r.Stderr, "--repo") {
			t.Errorf("init without an origin: exit %d, %s; want exit 2 asking for --repo", r.Code, r.Stderr)
		}
		runOK(t, dir, env, "init", "--product", "shop", "--repo", "https://git.example.com/shop.git", "pipeline.yaml")
		runOK(t, dir, env, "config", "validate", "pipeline.yaml")
	})
}

// runOK runs the CLI in dir and fails the test unless it exits 0.
func runOK(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	r := runCLI(t, dir, env, args...)
	if r.Code != 0 {
		t.Fatalf("signalman %s: exit %d\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}
