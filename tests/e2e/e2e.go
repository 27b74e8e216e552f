// Package e2e holds what Signalman's end-to-end tests share: the CLI and
// worker binaries built once per test package, an embedded Temporal server
// that can be stopped and started again, the registry and signing keys of
// a worker, worker processes that can be SIGKILLed, the CLI as a process,
// and checks on releases, routers, instances and images. It is imported
// by the test packages under tests/ only.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/examples"
	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
	"github.com/signalman/signalman/internal/devserver"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// moduleRoot is the repository's root directory.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Bin holds the binaries Main builds once for a test package.
var Bin struct {
	CLI, Worker string
}

// GoEnv keeps the go command's caches for worker processes, whose builds
// would otherwise start cold when a test gives them a fresh HOME.
var GoEnv []string

// Main builds the CLI and worker binaries once, gives the tests a machine
// without git configuration, runs them and returns their exit code. Each
// End-to-end package's TestMain calls it.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "signalman-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	Bin.CLI = filepath.Join(dir, "signalman")
	Bin.Worker = filepath.Join(dir, "worker")
	for out, pkg := range map[string]string{Bin.CLI: "./starter", Bin.Worker: "./worker"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = moduleRoot()
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			return 1
		}
	}
	for _, v := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := exec.Command("go", "env", v).Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "go env %s: %v\n", v, err)
			return 1
		}
		GoEnv = append(GoEnv, v+"="+strings.TrimSpace(string(out)))
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
	return code
}

// FreePort returns a loopback address with a port nobody listens on.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Server is an embedded Temporal server a test can stop and start again on
// the same data directory and address.
type Server struct {
	t    testing.TB
	dir  string
	Addr string
	srv  *devserver.Server
}

func StartServer(t testing.TB) *Server {
	s := &Server{t: t, dir: t.TempDir(), Addr: FreePort(t)}
	s.Start()
	t.Cleanup(func() { s.Stop() })
	return s
}

func (s *Server) Start() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, devserver.Options{
		DataDir:          s.dir,
		FrontendAddr:     s.Addr,
		DisableUI:        true,
		Namespace:        "default",
		SearchAttributes: workflows.SearchAttributes(),
	})
	if err != nil {
		s.t.Fatalf("start Temporal: %v", err)
	}
	s.srv = srv
}

func (s *Server) Stop() {
	if s.srv != nil {
		if err := s.srv.Stop(); err != nil {
			s.t.Errorf("stop Temporal: %v", err)
		}
		s.srv = nil
	}
}

// Proc is a worker process.
type Proc struct {
	cmd  *exec.Cmd
	Logs *SyncBuffer
}

// SyncBuffer collects a process's output from several goroutines.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Stack is what a worker process runs against: the embedded Temporal
// Server, the embedded registry, a cosign key pair and its data directory.
type Stack struct {
	Srv      *Server
	Registry *registry.Registry
	Keys     string
	Data     string
	// workerArgs and workerEnv are added to every worker the Stack starts.
	WorkerArgs, WorkerEnv []string
}

// KeyPassword encrypts the test key pair; it must never reach a workflow history.
const KeyPassword = "e2e-signing-password-5f1c"

func NewStack(t testing.TB) *Stack {
	t.Helper()
	s := &Stack{Srv: StartServer(t), Keys: t.TempDir(), Data: t.TempDir()}
	// Garbage collection may free what was pushed a moment ago: the
	// tests never collect while they push.
	reg, err := registry.Start(context.Background(), registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", BlobGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	s.Registry = reg
	k := app.Keys{Private: filepath.Join(s.Keys, "cosign.key"), Public: filepath.Join(s.Keys, "cosign.pub")}
	if err := app.GenerateKeys(k, []byte(KeyPassword)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.Cleanup(context.Background(), s.Data); err != nil {
			t.Errorf("stop the instances and routers: %v", err)
		}
	})
	return s
}

// FollowKeys makes the key pair builds of a followed branch are signed
// with, has the stack's workers sign with it and trust it, and returns
// the public key's path.
func FollowKeys(t testing.TB, s *Stack) string {
	t.Helper()
	k := app.Keys{Private: filepath.Join(s.Keys, "follow.key"), Public: filepath.Join(s.Keys, "follow.pub")}
	if err := app.GenerateKeys(k, []byte(KeyPassword)); err != nil {
		t.Fatal(err)
	}
	s.WorkerArgs = append(s.WorkerArgs, "--follow-signing-key", k.Private, "--trust-key", k.Public)
	return k.Public
}

// Verifier returns the deployers' own check of an image (the Verify
// activity, run in the SDK's activity environment), trusting publicKey
// and trusted.
func Verifier(t testing.TB, publicKey string, trusted ...string) func(contract.VerifyRequest) error {
	t.Helper()
	signer := &activities.Signer{PublicKeyFile: publicKey, TrustedKeyFiles: trusted, Dir: t.TempDir(), Remote: artifact.RemoteOptions}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(signer.Verify)
	return func(req contract.VerifyRequest) error {
		_, err := env.ExecuteActivity(signer.Verify, req)
		return err
	}
}

// StartWorker runs the worker binary as its own process, serving every
// role, and waits until it polls.
func StartWorker(t testing.TB, s *Stack) *Proc {
	t.Helper()
	args := append([]string{"--address", s.Srv.Addr, "--data", s.Data, "--metrics", "",
		"--registry", s.Registry.Host(), "--signing-key", filepath.Join(s.Keys, "cosign.key"), "--verify-key", filepath.Join(s.Keys, "cosign.pub")},
		s.WorkerArgs...)
	return StartProcess(t, args, append([]string{"COSIGN_PASSWORD=" + KeyPassword}, s.WorkerEnv...))
}

// StartProcess runs the worker binary with args and env (added to this
// process's environment, GoEnv included) and waits until it polls, or,
// with --roles none, until its server serves.
func StartProcess(t testing.TB, args, env []string) *Proc {
	t.Helper()
	cmd := exec.Command(Bin.Worker, args...)
	cmd.Env = append(append(os.Environ(), GoEnv...), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logs := &SyncBuffer{}
	cmd.Stdout = logs
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{cmd: cmd, Logs: logs}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("worker output:\n%s", LastLines(logs.String(), 60))
		}
	})
	ready := make(chan bool, 1)
	go func() {
		// The worker must never block on a full pipe: read every line,
		// however long, and whatever comes after the scanner gives up.
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), `"msg":"worker polling"`) || strings.Contains(sc.Text(), `"msg":"serving no role"`) {
				select {
				case ready <- true:
				default:
				}
			}
		}
		io.Copy(logs, out)
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

// PID is the worker's process ID.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Kill sends SIGKILL to the worker's process group: no graceful shutdown.
func (p *Proc) Kill() {
	if p.cmd.ProcessState == nil {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		p.cmd.Wait()
	}
}

// Result is what a CLI run printed and how it exited.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// CLI runs the signalman binary against addr.
func CLI(t testing.TB, addr string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(Bin.CLI, append(args, "--address", addr)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run signalman %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// RunWorker runs the worker binary with args and env (added to this
// process's environment) until it exits, for a worker that must refuse to
// start; one still running after a minute is killed and fails the test.
func RunWorker(t testing.TB, args, env []string) Result {
	t.Helper()
	cmd := exec.Command(Bin.Worker, args...)
	cmd.Env = append(append(os.Environ(), GoEnv...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("worker %v still running after a minute:\n%s", args, stderr.String())
	}
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.Code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// MustCLI runs the CLI and fails the test unless it exits 0.
func MustCLI(t testing.TB, addr string, args ...string) string {
	t.Helper()
	r := CLI(t, addr, args...)
	if r.Code != 0 {
		t.Fatalf("signalman %s: exit %d\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
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

// LastLines returns the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// exampleServices are the example product's services as a pipeline
// lists them: deploy order, build and smoke tests.
var exampleServices = map[string]string{
	"auth-server":    "  - name: auth-server\n    order: 1\n    build: {package: ./services/auth-server}\n    smoke: [{path: /healthz}]\n",
	"api":            "  - name: api\n    order: 2\n    build: {package: ./services/api}\n    smoke: [{path: /api/ping, contains: pong}]\n",
	"content-server": "  - name: content-server\n    order: 3\n    build: {package: ./services/content-server}\n    smoke: [{path: /, contains: shop}]\n",
}

// ShopPipeline is the start of a pipeline file for the example product in
// remote with the services named (auth-server, api, content-server),
// believing the names requests give (auth: claimed);
// the test adds environments and the rest.
func ShopPipeline(remote string, services ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "product: shop\nauth: claimed\nrepository:\n  url: %s\nservices:\n", remote)
	for _, s := range services {
		svc, ok := exampleServices[s]
		if !ok {
			panic("the example product has no service " + s)
		}
		b.WriteString(svc)
	}
	return b.String()
}

// WritePipeline writes a pipeline file for a test and returns its path.
func WritePipeline(t testing.TB, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signalman.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Status reads a release's status through the client the CLI uses.
func Status(t testing.TB, addr, version string) (workflows.Status, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		return workflows.Status{}, err
	}
	defer c.Close()
	return control.Releases{Client: c}.Status(ctx, "shop", version)
}

// WaitForStage waits until the release waits at stage.
func WaitForStage(t testing.TB, addr, version, stage string, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, "release at "+stage, func() (bool, string) {
		st, err := Status(t, addr, version)
		if err != nil {
			return false, err.Error()
		}
		if st.Finished() {
			t.Fatalf("release ended (%s) before reaching %s: %s", st.State, stage, st.Error)
		}
		s := st.StageNamed(stage)
		if s == nil {
			t.Fatalf("release %s has no stage %s", version, stage)
		}
		return st.Stage == stage && s.State == workflows.Waiting, fmt.Sprintf("%s %s: %s", st.Stage, s.State, s.Detail)
	})
}

// Serving asks a service's router which version answers /version.
func Serving(t testing.TB, s *Stack, env, service string) string {
	t.Helper()
	return strings.TrimSpace(Get(t, s, env, service, "/version"))
}

// Get asks a service's router for path, as a user would, and returns the
// answer's body.
func Get(t testing.TB, s *Stack, env, service, path string) string {
	t.Helper()
	_, info, err := router.Open(filepath.Join(s.Data, "routers", "shop", env, service))
	if err != nil {
		t.Fatalf("router of %s on %s: %v", service, env, err)
	}
	resp, err := http.Get("http://" + info.Listen + path)
	if err != nil {
		t.Fatalf("GET %s of %s on %s: %v", path, service, env, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// RouterRequests reads the records a service's router kept of the
// requests it proxied since a time: user requests and test-route ones.
func RouterRequests(t testing.TB, s *Stack, env, service string, since time.Time) []router.Request {
	t.Helper()
	rc, _, err := router.Open(filepath.Join(s.Data, "routers", "shop", env, service))
	if err != nil {
		t.Fatalf("router of %s on %s: %v", service, env, err)
	}
	reqs, err := rc.Requests(context.Background(), since)
	if err != nil {
		t.Fatalf("records of the router of %s on %s: %v", service, env, err)
	}
	return reqs
}

// Instances counts a service's running instances on the process target.
func Instances(t testing.TB, s *Stack, env, service string) []deploy.Instance {
	t.Helper()
	running, err := (&deploy.Process{Dir: filepath.Join(s.Data, "deploy")}).Running(context.Background(), "shop", env, service)
	if err != nil {
		t.Fatal(err)
	}
	return running
}

// LoadGen sends requests through a prod router and counts answers by version.
type LoadGen struct {
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	ok     map[string]int
	failed map[string]int
}

// StartLoad sends rps requests a second to a service's prod router, as
// users would: each on its own, so one slow answer on a loaded machine
// does not hold the others back, each given up after ten seconds, and
// the router's address read again after an unreachable one.
func StartLoad(t testing.TB, s *Stack, service, path string, rps int) *LoadGen {
	t.Helper()
	dir := filepath.Join(s.Data, "routers", "shop", "prod", service)
	_, info, err := router.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := &LoadGen{stop: make(chan struct{}), ok: map[string]int{}, failed: map[string]int{}}
	client := &http.Client{Timeout: 10 * time.Second}
	var addr atomic.Value
	addr.Store(info.Listen)
	inflight := make(chan struct{}, 4*rps)
	one := func() {
		defer func() { <-inflight; l.wg.Done() }()
		resp, err := client.Get("http://" + addr.Load().(string) + path)
		version, bad := "unreachable", true
		if err == nil {
			version, bad = resp.Header.Get(router.HeaderVersion), resp.StatusCode >= 500
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		} else if _, info, err := router.Open(dir); err == nil {
			addr.Store(info.Listen)
		}
		l.mu.Lock()
		if bad {
			l.failed[version]++
		} else {
			l.ok[version]++
		}
		l.mu.Unlock()
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(rps))
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			select {
			case inflight <- struct{}{}:
				l.wg.Add(1)
				go one()
			default:
				// As many requests as a few seconds bring are waiting
				// already: the machine is swamped, do not pile on.
			}
		}
	}()
	return l
}

func (l *LoadGen) End() (ok, failed map[string]int) {
	close(l.stop)
	l.wg.Wait()
	return l.ok, l.failed
}

// Release starts a release through the CLI (as rita) and waits for its end.
func Release(t testing.TB, s *Stack, config, version string) workflows.Status {
	t.Helper()
	MustCLI(t, s.Srv.Addr, "release", "start", version, "--config", config, "--as", "rita")
	return WaitFinished(t, s, version)
}

// WaitFinished waits for a started release to end.
func WaitFinished(t testing.TB, s *Stack, version string) workflows.Status {
	t.Helper()
	var st workflows.Status
	Eventually(t, 4*time.Minute, version+" finished", func() (bool, string) {
		var err error
		st, err = Status(t, s.Srv.Addr, version)
		if err != nil {
			return false, err.Error()
		}
		return st.Finished(), st.Stage + " " + st.State
	})
	return st
}

// ExampleRepo makes a real git repository holding the example product
// (examples/shop) plus extra files, pushes it to a bare remote and returns
// the repository, the remote's URL and the commit.
func ExampleRepo(t testing.TB, extra map[string]string) (*gittest.Repo, string, string) {
	t.Helper()
	repo, remote := gittest.NewWithRemote(t)
	files := ExampleFiles(t)
	for k, v := range extra {
		files[k] = v
	}
	sha := repo.WriteCommit(t, "feat: the shop", files)
	repo.Git(t, "push", "--quiet", "origin", "main")
	return repo, remote, sha
}

// ExampleFiles returns the example product's files.
func ExampleFiles(t testing.TB) map[string]string {
	t.Helper()
	files, err := examples.Shop()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// CheckImages checks a finished release's images in the registry: each is
// tagged with the release's build tag, signed once, with one SBOM and one
// provenance attestation.
func CheckImages(t testing.TB, s *Stack, st workflows.Status, commit string) {
	t.Helper()
	if len(st.Artifacts) == 0 {
		t.Fatal("the release recorded no images")
	}
	ctx := context.Background()
	for _, a := range st.Artifacts {
		if !strings.HasPrefix(a.Image, s.Registry.Host()+"/shop/"+a.Service+":"+st.Version+"-build.") || !strings.HasSuffix(a.Image, "-"+commit[:7]) {
			t.Errorf("image %s does not carry the build tag of %s at %s", a.Image, st.Version, commit[:7])
		}
		tag, err := name.NewTag(a.Image, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(tag)
		if err != nil || desc.Digest.String() != a.Digest {
			t.Errorf("%s in the registry: %v, %v; want digest %s", a.Image, desc, err, a.Digest)
			continue
		}
		ref, _ := name.NewDigest(a.Ref(), name.Insecure)
		if n, err := signature.Signatures(ctx, ref); err != nil || n != 1 {
			t.Errorf("%s has %d signatures (%v), want exactly 1", a.Ref(), n, err)
		}
		if n, err := signature.Attestations(ctx, ref); err != nil || n != 2 {
			t.Errorf("%s has %d attestations (%v), want SBOM and provenance", a.Ref(), n, err)
		}
	}
}

// record makes the end-to-end tests write the histories of the workflows
// they ran into tests/testdata/, for TestReplay. Re-record after a deliberate
// workflow change that is behind workflow.GetVersion:
//
//	go test ./tests/... -run 'TestRelease_survives|TestTrains|TestDeploy_process' -record
var record = flag.Bool("record", false, "write the histories of end-to-end runs to tests/testdata/ for the replay test")

// History reads every event of a workflow run's history (runID "" is the
// latest run).
func History(ctx context.Context, c client.Client, workflowID, runID string) ([]*historypb.HistoryEvent, error) {
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		events = append(events, e)
	}
	return events, nil
}

// SaveHistory writes a workflow's history as tests/testdata/<name>.json,
// and its workflow and run IDs as <name>.execution, when -record is set.
func SaveHistory(t testing.TB, addr, workflowID, name string) {
	t.Helper()
	if !*record {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	events, err := History(ctx, c, workflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	h := historypb.History{Events: events}
	scrubHistory(&h)
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(moduleRoot(), "tests", "testdata", name+".json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The execution it replays as: signed requests name their workflow
	// and run.
	run := events[0].GetWorkflowExecutionStartedEventAttributes().GetOriginalExecutionRunId()
	if err := os.WriteFile(filepath.Join(moduleRoot(), "tests", "testdata", name+".execution"), []byte(workflowID+"\n"+run+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d events) as testdata/%s.json", workflowID, len(h.Events), name)
}

// Pending describes what a workflow and its running children wait for:
// their pending activities (with attempts and last failures) and
// children. A test that gives up on a workflow prints it.
func Pending(t testing.TB, addr, workflowID string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: addr})
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	var b strings.Builder
	var describe func(id string, depth int)
	describe = func(id string, depth int) {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		indent := strings.Repeat("  ", depth)
		if err != nil {
			fmt.Fprintf(&b, "%s%s: %v\n", indent, id, err)
			return
		}
		fmt.Fprintf(&b, "%s%s: %s\n", indent, id, d.GetWorkflowExecutionInfo().GetStatus())
		for _, a := range d.GetPendingActivities() {
			fmt.Fprintf(&b, "%s  activity %s: %s, attempt %d, last heartbeat %s, last failure: %s\n", indent,
				a.GetActivityType().GetName(), a.GetState(), a.GetAttempt(), a.GetLastHeartbeatTime().AsTime().Format(time.RFC3339), a.GetLastFailure().GetMessage())
		}
		for _, ch := range d.GetPendingChildren() {
			describe(ch.GetWorkflowId(), depth+1)
		}
	}
	describe(workflowID, 0)
	return b.String()
}

// tempPath is a path under the test machine's temporary directory.
var tempPath = regexp.MustCompile(`/tmp/[A-Za-z0-9_.\-/]*`)

// scrubHistory replaces the test machine's temporary paths (the test's git
// remote, its data directories) in a history's payloads and messages, so
// that recorded histories name no path of the machine they were recorded
// on. Replay compares commands, not these values.
func scrubHistory(h *historypb.History) {
	scrub := func(s string) string {
		return tempPath.ReplaceAllStringFunc(s, func(p string) string {
			if strings.HasSuffix(p, "remote.git") {
				return "/srv/git/shop.git"
			}
			return "/var/lib/signalman/" + filepath.Base(p)
		})
	}
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList():
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					switch fd.Kind() {
					case protoreflect.MessageKind:
						walk(l.Get(i).Message())
					case protoreflect.StringKind:
						l.Set(i, protoreflect.ValueOfString(scrub(l.Get(i).String())))
					}
				}
			case fd.IsMap():
				v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
					if fd.MapValue().Kind() == protoreflect.MessageKind {
						walk(mv.Message())
					}
					return true
				})
			case fd.Kind() == protoreflect.MessageKind:
				walk(v.Message())
			case fd.Kind() == protoreflect.StringKind:
				m.Set(fd, protoreflect.ValueOfString(scrub(v.String())))
			case fd.Kind() == protoreflect.BytesKind:
				m.Set(fd, protoreflect.ValueOfBytes([]byte(scrub(string(v.Bytes())))))
			}
			return true
		})
	}
	walk(h.ProtoReflect())
}
