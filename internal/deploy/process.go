package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// DefaultGrace is how long Stop waits for an instance to end once asked to,
// before it kills it.
const DefaultGrace = 10 * time.Second

// Timings and limits of the process target.
const (
	// pollEvery is how often Stop looks whether a process has ended.
	pollEvery = 50 * time.Millisecond
	// killWait bounds the wait for a killed process to be gone.
	killWait = 5 * time.Second
	// tailLines is how many lines of output an UnhealthyError carries.
	tailLines = 20
	// maxLaunches is how many times Start launches an instance, each time
	// on another port, when another process takes its port first.
	maxLaunches = 3
)

// Process is the local target: it runs an image's entrypoint from the
// image's unpacked file system as a process of its own on this machine.
//
// It isolates nothing: the service runs as the worker's user, sees the
// host's file system and network, and only a static binary (like the
// project's Go services) finds what it needs. Its layout under Dir:
//
//	images/<sha256 hex>/rootfs        the image's file system, unpacked once
//	images/<sha256 hex>/config.json   the image's configuration
//	instances/<product>/<env>/<service>/<id>.json   an instance's record
//	instances/<product>/<env>/<service>/<id>.log    its output
type Process struct {
	// Dir holds the unpacked images, the instance records and their logs.
	Dir string
	// Remote are options for the registry pulls (authentication, transport).
	Remote []remote.Option
	// Grace is how long Stop waits after SIGTERM before SIGKILL; zero means
	// DefaultGrace.
	Grace time.Duration

	// ports, if set, picks each instance's port in place of freePort, so
	// that tests can hand out a port another process holds.
	ports func() (int, error)
}

var _ Target = (*Process)(nil)

// Start pulls and unpacks spec.Image (once per digest), runs its entrypoint
// spec.Instances times, each on a free port of 127.0.0.1 in a session of its
// own, and waits until every one answers its health path. An instance whose
// port another process took before it could bind it is stopped and launched
// again on another port, up to maxLaunches times.
//
// Instances of spec.Deployment still running from an earlier Start are
// returned as they are (after a health check) rather than started again. If
// an instance does not become healthy, every instance of the deployment is
// stopped and the error (an *UnhealthyError for each) carries its output.
func (p *Process) Start(ctx context.Context, spec Spec) ([]Instance, error) {
	spec, ref, err := spec.checked()
	if err != nil {
		return nil, err
	}
	if p.Dir == "" {
		return nil, errors.New("process target: Dir is empty")
	}
	where := spec.Product + "/" + spec.Env + "/" + spec.Service
	dir := p.serviceDir(spec.Product, spec.Env, spec.Service)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("start %s: %w", where, err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, spec.deploymentKey()+".lock"))
	if err != nil {
		return nil, fmt.Errorf("start %s: lock deployment %q: %w", where, spec.Deployment, err)
	}
	defer unlock()

	var (
		img       *unpackedImage
		instances []Instance
		checks    []healthCheck
		// launched says which instances this Start launched, rather than
		// found running: only those are launched again.
		launched []bool
	)
	fail := func(err error) ([]Instance, error) {
		p.stopLocked(context.WithoutCancel(ctx), instances)
		return nil, err
	}
	for i := range spec.Instances {
		in := spec.instance(ref, i)
		record := filepath.Join(dir, in.ID+".json")
		rec, err := readRecord(record)
		switch {
		case err == nil && processAlive(rec):
			if rec.Digest != in.Digest {
				return fail(fmt.Errorf("%w: start %s: deployment %q already runs %s, not %s; use a new deployment id for a new image",
					ErrInvalidSpec, where, spec.Deployment, rec.Digest, in.Digest))
			}
			instances = append(instances, rec.Instance)
			checks = append(checks, healthCheck{
				URL: rec.Addr + spec.Health, Timeout: spec.HealthTimeout, Interval: spec.HealthInterval,
				Ended: func(context.Context) string {
					if !processAlive(rec) {
						return "it is no longer running"
					}
					return ""
				},
			})
			launched = append(launched, false)
			continue
		case err == nil:
			if err := removeRecord(record); err != nil {
				return fail(fmt.Errorf("start %s: forget ended instance %s: %w", where, in.ID, err))
			}
		case !errors.Is(err, fs.ErrNotExist):
			return fail(fmt.Errorf("start %s: %w", where, err))
		}

		if img == nil {
			u, err := p.image(ctx, ref)
			if err != nil {
				return fail(fmt.Errorf("start %s: %w", where, err))
			}
			img = &u
		}
		rec, check, err := p.launch(spec, *img, in, record)
		if err != nil {
			return fail(fmt.Errorf("start %s: %w", where, err))
		}
		instances = append(instances, rec.Instance)
		checks = append(checks, check)
		launched = append(launched, true)
	}

	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, check := range checks {
		if !launched[i] {
			wg.Go(func() { errs[i] = check.wait(ctx) })
			continue
		}
		wg.Go(func() { errs[i] = p.waitLaunched(ctx, spec, *img, &instances[i], check) })
	}
	wg.Wait()
	for i, err := range errs {
		if reason, ok := unhealthyReason(err); ok {
			record, _ := p.recordPath(instances[i])
			errs[i] = &UnhealthyError{Instance: instances[i], Reason: reason, LogTail: logTail(logPath(record), tailLines)}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fail(fmt.Errorf("start %s %s: %w", where, spec.Deployment, err))
	}
	return instances, nil
}

// waitLaunched waits until an instance this Start launched is healthy. While
// another process takes its port first, it stops the instance and launches
// it again on another port, up to maxLaunches launches in all; *in is then
// the instance last launched.
func (p *Process) waitLaunched(ctx context.Context, spec Spec, img unpackedImage, in *Instance, check healthCheck) error {
	for launches := 1; ; launches++ {
		err := check.wait(ctx)
		var taken portTaken
		if !errors.As(err, &taken) || launches == maxLaunches {
			return err
		}
		// Stopping it also forgets its record, which the new launch writes
		// again under the same id.
		if err := p.stopOne(ctx, *in); err != nil {
			return fmt.Errorf("instance %s lost port %d to another process; stop it to launch it again: %w", in.ID, taken.port, err)
		}
		record, err := p.recordPath(*in)
		if err != nil {
			return err
		}
		rec, next, err := p.launch(spec, img, *in, record)
		if err != nil {
			return fmt.Errorf("instance %s lost port %d to another process; launch it again: %w", in.ID, taken.port, err)
		}
		*in, check = rec.Instance, next
	}
}

// unhealthyReason is why err says an instance did not become healthy, if it
// says so.
func unhealthyReason(err error) (string, bool) {
	var nh notHealthy
	var taken portTaken
	switch {
	case errors.As(err, &nh):
		return string(nh), true
	case errors.As(err, &taken):
		return taken.Error(), true
	default:
		return "", false
	}
}

// launch starts one instance, records it, and returns the health check that
// waits for it.
func (p *Process) launch(spec Spec, img unpackedImage, in Instance, record string) (processRecord, healthCheck, error) {
	argv, prog, workdir, err := img.entrypoint()
	if err != nil {
		return processRecord{}, healthCheck{}, fmt.Errorf("%s: %w", spec.Image, err)
	}
	pick := p.ports
	if pick == nil {
		pick = freePort
	}
	port, err := pick()
	if err != nil {
		return processRecord{}, healthCheck{}, err
	}
	out, err := os.OpenFile(logPath(record), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return processRecord{}, healthCheck{}, err
	}
	defer out.Close()
	in.Addr = "http://127.0.0.1:" + strconv.Itoa(port)
	in.Started = time.Now().UTC()
	fmt.Fprintf(out, "%s%s %s %s %q\n", logMarker, in.Started.Format(time.RFC3339), in.Digest, in.Addr, argv)

	cmd := &exec.Cmd{
		Path:        prog,
		Args:        argv,
		Dir:         workdir,
		Env:         processEnv(img, spec, port),
		Stdout:      out,
		Stderr:      out,
		SysProcAttr: ownSession(),
	}
	if err := cmd.Start(); err != nil {
		return processRecord{}, healthCheck{}, fmt.Errorf("run %s: %w", argv[0], err)
	}
	c := reap(cmd)
	in.PID = cmd.Process.Pid
	check := healthCheck{
		URL: in.Addr + spec.Health, Timeout: spec.HealthTimeout, Interval: spec.HealthInterval,
		Ended: c.ended,
		Owns:  func() (bool, error) { return listens(in.PID, port) },
		Port:  port,
	}

	st, err := readProcStat(in.PID)
	if err != nil {
		select {
		case <-c.done:
			// Gone already: the health check reports how, with its output.
			return processRecord{Instance: in, Argv: argv}, check, nil
		case <-time.After(killWait):
			kill(in.PID)
			return processRecord{}, healthCheck{}, fmt.Errorf("instance %s: %w", in.ID, err)
		}
	}
	rec := processRecord{Instance: in, StartTicks: st.StartTicks, Argv: argv}
	if err := writeRecord(record, rec); err != nil {
		kill(in.PID)
		return processRecord{}, healthCheck{}, fmt.Errorf("record instance %s: %w", in.ID, err)
	}
	return rec, check, nil
}

// child is a process this worker started, reaped by a goroutine while the
// worker lives so that it leaves no zombie. After a worker restart the
// process belongs to init, which reaps it.
type child struct {
	done  chan struct{}
	state *os.ProcessState
	err   error
}

// reap waits for cmd in a goroutine.
func reap(cmd *exec.Cmd) *child {
	c := &child{done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		c.state = cmd.ProcessState
		close(c.done)
	}()
	return c
}

// ended says how the process ended, or "" while it runs.
func (c *child) ended(context.Context) string {
	select {
	case <-c.done:
		if c.state != nil {
			return "it ended (" + c.state.String() + ") before it was healthy"
		}
		return fmt.Sprintf("it ended (%v) before it was healthy", c.err)
	default:
		return ""
	}
}

// processEnv is an instance's environment: a search path, the image's own
// variables, spec.Env, and last (so they win) HOST and PORT.
func processEnv(img unpackedImage, spec Spec, port int) []string {
	env := []string{"PATH=" + defaultPath}
	env = append(env, img.Config.Config.Env...)
	return append(env, serviceEnv(spec.EnvVars, "127.0.0.1", strconv.Itoa(port))...)
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// processAlive reports whether the process rec names still runs: its PID
// exists, is not a zombie, and started when the recorded one did.
func processAlive(rec processRecord) bool {
	if !exists(rec.PID) {
		return false
	}
	st, err := readProcStat(rec.PID)
	if err != nil || st.State == 'Z' || st.State == 'X' {
		return false
	}
	return st.StartTicks == rec.StartTicks
}

// Running returns the instances of a service whose processes are alive,
// oldest first, and forgets the records of those that are not.
func (p *Process) Running(ctx context.Context, product, env, service string) ([]Instance, error) {
	for _, s := range []string{product, env, service} {
		if !nameRE.MatchString(s) {
			return nil, fmt.Errorf("%w: %q is not a product, environment or service name", ErrInvalidSpec, s)
		}
	}
	dir := p.serviceDir(product, env, service)
	recs, paths, err := readRecords(dir)
	if err != nil {
		return nil, fmt.Errorf("running instances of %s/%s/%s: %w", product, env, service, err)
	}
	var alive []Instance
	for i, rec := range recs {
		if processAlive(rec) {
			alive = append(alive, rec.Instance)
			continue
		}
		if err := p.forgetEnded(dir, paths[i], rec); err != nil {
			return nil, fmt.Errorf("running instances of %s/%s/%s: %w", product, env, service, err)
		}
	}
	sortInstances(alive)
	return alive, nil
}

// forgetEnded removes the record of an ended process, unless a Start of its
// deployment holds the lock (it may be writing a new record in its place:
// the next Running removes the stale one).
func (p *Process) forgetEnded(dir, path string, rec processRecord) error {
	key := Spec{Product: rec.Product, Env: rec.Env, Service: rec.Service, Deployment: rec.Deployment}.deploymentKey()
	unlock, err := tryLockFile(filepath.Join(dir, key+".lock"))
	if err != nil || unlock == nil {
		return err
	}
	defer unlock()
	now, err := readRecord(path)
	if err != nil || processAlive(now) {
		return nil
	}
	return removeRecord(path)
}
