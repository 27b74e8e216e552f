package tests

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/devserver"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
)

// bin holds the binaries built once for all end-to-end tests.
var bin struct {
	cli, worker string
}

// goEnv keeps the go command's caches for worker processes, whose builds
// would otherwise start cold when a test gives them a fresh HOME.
var goEnv []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "signalman-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.cli = filepath.Join(dir, "signalman")
	bin.worker = filepath.Join(dir, "worker")
	for out, pkg := range map[string]string{bin.cli: "../starter", bin.worker: "../worker"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			os.Exit(1)
		}
	}
	for _, v := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go env %s: %v\n", v, err)
			os.Exit(1)
		}
		goEnv = append(goEnv, v+"="+strings.TrimSpace(string(out)))
		os.Setenv(v, strings.TrimSpace(string(out)))
	}
	// One machine without git configuration for the whole package. The
	// end-to-end tests run one after another: run in parallel, two
	// instances could be given the same probed free port (see the process
	// target's notes).
	home := filepath.Join(dir, "home")
	os.MkdirAll(home, 0o755)
	for k, v := range map[string]string{"HOME": home, "XDG_CONFIG_HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": filepath.Join(home, "gitconfig")} {
		os.Setenv(k, v)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePort returns a loopback address with a port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is an embedded Temporal server a test can stop and start again on
// the same data directory and address.
type server struct {
	t    *testing.T
	dir  string
	addr string
	srv  *devserver.Server
}

func startServer(t *testing.T) *server {
	s := &server{t: t, dir: t.TempDir(), addr: freePort(t)}
	s.start()
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *server) start() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir:          s.dir,
		FrontendAddr:     s.addr,
		DisableUI:        true,
		Namespace:        "default",
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		s.t.Fatalf("start Temporal: %v", err)
	}
	s.srv = srv
}

func (s *server) stop() {
	if s.srv != nil {
		if err := s.srv.Stop(); err != nil {
			s.t.Errorf("stop Temporal: %v", err)
		}
		s.srv = nil
	}
}

// proc is a worker process.
type proc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
}

// syncBuffer collects a process's output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stack is what a worker process runs against: the embedded Temporal
// server, the embedded registry, a cosign key pair and its data directory.
type stack struct {
	srv      *server
	registry *registry.Registry
	keys     string
	data     string
	// workerArgs and workerEnv are added to every worker the stack starts.
	workerArgs, workerEnv []string
}

// keyPassword encrypts the test key pair; it must never reach a workflow history.
const keyPassword = "e2e-signing-password-5f1c"

func newStack(t *testing.T) *stack {
	t.Helper()
	s := &stack{srv: startServer(t), keys: t.TempDir(), data: t.TempDir()}
	reg, err := registry.Start(context.Background(), registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	s.registry = reg
	k := app.Keys{Private: filepath.Join(s.keys, "cosign.key"), Public: filepath.Join(s.keys, "cosign.pub")}
	if err := app.GenerateKeys(k, []byte(keyPassword)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.Cleanup(context.Background(), s.data); err != nil {
			t.Errorf("stop the instances and routers: %v", err)
		}
	})
	return s
}

// startWorker runs the worker binary as its own process and waits until it polls.
func startWorker(t *testing.T, s *stack) *proc {
	t.Helper()
	cmd := exec.Command(bin.worker, "--address", s.srv.addr, "--data", s.data, "--metrics", "",
		"--registry", s.registry.Host(), "--signing-key", filepath.Join(s.keys, "cosign.key"), "--verify-key", filepath.Join(s.keys, "cosign.pub"))
	cmd.Args = append(cmd.Args, s.workerArgs...)
	cmd.Env = append(append(append(os.Environ(), goEnv...), "COSIGN_PASSWORD="+keyPassword), s.workerEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &syncBuffer{}
	cmd.Stdout = logs
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: logs}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("worker output:\n%s", lastLines(logs.String(), 60))
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), `"msg":"worker polling"`) {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("worker exited before it was ready: %s", logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("worker not ready after a minute: %s", logs.String())
	}
	return p
}

// kill sends SIGKILL to the worker's process group: no graceful shutdown.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// result is what a CLI run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the signalman binary against addr.
func cli(t *testing.T, addr string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin.cli, append(args, "--address", addr)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run signalman %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustCLI runs the CLI and fails the test unless it exits 0.
func mustCLI(t *testing.T, addr string, args ...string) string {
	t.Helper()
	r := cli(t, addr, args...)
	if r.code != 0 {
		t.Fatalf("signalman %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: not reached after %s; last seen: %s", what, timeout, last)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// writePipeline writes a pipeline file for a test and returns its path.
func writePipeline(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signalman.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
