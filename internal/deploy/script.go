package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The script target's exit codes. Any other non-zero code is a permanent
// failure too: a script that fails in a way it did not foresee is not
// retried into a loop; one that knows a retry can help says so.
const (
	// ExitRetry (EX_TEMPFAIL) asks for the call to be retried: the
	// platform was busy or unreachable, nothing is known to be wrong with
	// the version.
	ExitRetry = 75
)

// ErrScript marks a script call that failed for good: it exited with a
// code other than 0 and ExitRetry, or printed what the contract does not
// allow. Retrying does not help.
var ErrScript = errors.New("script failed")

// scriptTail is how many of a failed script's last stderr lines its error
// carries.
const scriptTail = 20

// ScriptCommands are the team's commands of the script target (see
// config.Script): each runs with `sh -c` in Dir.
type ScriptCommands struct {
	Deploy, Retire, Weight, Status string
	Dir                            string
	// Timeout bounds each call; zero means 10 minutes.
	Timeout time.Duration
}

// Script runs a service's instances through the team's own commands, so a
// platform Signalman does not know (Kubernetes, Nomad, VMs) plugs in. The
// contract, which README.md documents for the teams writing the scripts:
//
//   - Every command gets SIGNALMAN_PRODUCT, SIGNALMAN_ENV and
//     SIGNALMAN_SERVICE, and the worker's own environment.
//   - deploy also gets SIGNALMAN_VERSION, SIGNALMAN_IMAGE (the verified
//     image by digest, the only thing to run), SIGNALMAN_DIGEST,
//     SIGNALMAN_DEPLOYMENT, SIGNALMAN_INSTANCES (how many),
//     SIGNALMAN_INSTANCE_IDS (the IDs to give them, space-separated, the
//     same on every retry so a retry finds what an earlier call started),
//     SIGNALMAN_HEALTH_PATH and SIGNALMAN_ENV_FILE (the service's
//     environment as KEY=value lines, configuration and secrets, readable
//     only by the worker's user and removed once the call ends). It prints
//     the instances as a JSON array of {"id": ..., "addr": "http://host:port"}
//     on stdout; Signalman then checks each one's health path.
//   - retire gets SIGNALMAN_VERSION, SIGNALMAN_DEPLOYMENT and
//     SIGNALMAN_INSTANCE_IDS of the instances to stop.
//   - weight gets SIGNALMAN_WEIGHT (the canary's share, 0 to 100),
//     SIGNALMAN_STABLE_VERSION, SIGNALMAN_STABLE_DIGEST,
//     SIGNALMAN_CANARY_VERSION and SIGNALMAN_CANARY_DIGEST (empty without
//     a canary).
//   - status prints the instances alive now as a JSON array of {"id",
//     "version", "digest", "addr"}.
//   - Exit 0 is success, ExitRetry asks for a retry, anything else fails
//     for good; the error carries the last lines of stderr, and each
//     stderr line goes to Output (heartbeats and the worker's log).
//   - Every call may be repeated (after a retry or a worker that died) and
//     must be idempotent.
type Script struct {
	ScriptCommands
	// Records holds what deploy printed, so Running knows the instances
	// without a status command, across worker restarts:
	// Records/<product>/<env>/<service>/<id>.json.
	Records string
	// Output, if set, receives each line the commands write to stderr.
	Output func(line string)
}

var _ Target = (*Script)(nil)

// scriptInstance is one instance as a script prints it.
type scriptInstance struct {
	ID      string `json:"id"`
	Addr    string `json:"addr"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// Start runs deploy, then waits until every instance it printed answers
// its health path. An instance that does not is retired with the rest of
// the deployment, and the error (an *UnhealthyError) is permanent.
func (s *Script) Start(ctx context.Context, spec Spec) ([]Instance, error) {
	spec, ref, err := spec.checked()
	if err != nil {
		return nil, err
	}
	where := spec.Product + "/" + spec.Env + "/" + spec.Service
	var ids []string
	for i := range spec.Instances {
		ids = append(ids, spec.instance(ref, i).ID)
	}
	envFile, cleanup, err := writeEnvFile(spec.EnvVars)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", where, err)
	}
	defer cleanup()
	env := append(scriptEnv(spec.Product, spec.Env, spec.Service),
		"SIGNALMAN_VERSION="+spec.Version,
		"SIGNALMAN_IMAGE="+ref.String(),
		"SIGNALMAN_DIGEST="+ref.DigestStr(),
		"SIGNALMAN_DEPLOYMENT="+spec.Deployment,
		"SIGNALMAN_INSTANCES="+strconv.Itoa(spec.Instances),
		"SIGNALMAN_INSTANCE_IDS="+strings.Join(ids, " "),
		"SIGNALMAN_HEALTH_PATH="+spec.Health,
		"SIGNALMAN_ENV_FILE="+envFile,
	)
	out, err := s.run(ctx, "deploy", s.Deploy, where, env)
	if err != nil {
		return nil, err
	}
	printed, err := parseInstances(out)
	if err != nil {
		return nil, fmt.Errorf("%w: deploy script of %s %s: %v", ErrScript, where, spec.Version, err)
	}
	if len(printed) != spec.Instances {
		return nil, fmt.Errorf("%w: deploy script of %s %s printed %d instance(s), want %d (SIGNALMAN_INSTANCES)", ErrScript, where, spec.Version, len(printed), spec.Instances)
	}
	var instances []Instance
	for i, p := range printed {
		in := spec.instance(ref, i)
		if p.ID != "" {
			in.ID = p.ID
		}
		in.Addr, in.Started = p.Addr, time.Now().UTC()
		instances = append(instances, in)
	}
	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		h := healthCheck{URL: in.Addr + spec.Health, Timeout: spec.HealthTimeout, Interval: spec.HealthInterval}
		wg.Go(func() { errs[i] = h.wait(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		var nh notHealthy
		if errors.As(err, &nh) {
			errs[i] = &UnhealthyError{Instance: instances[i], Reason: string(nh)}
		}
	}
	if err := errors.Join(errs...); err != nil {
		if serr := s.Stop(context.WithoutCancel(ctx), instances); serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, fmt.Errorf("start %s %s: %w", where, spec.Deployment, err)
	}
	for _, in := range instances {
		if err := s.record(in); err != nil {
			return nil, fmt.Errorf("start %s: %w", where, err)
		}
	}
	return instances, nil
}

// Running asks status when there is one, else reads what deploy printed.
func (s *Script) Running(ctx context.Context, product, env, service string) ([]Instance, error) {
	if s.Status == "" {
		return s.recorded(product, env, service)
	}
	where := product + "/" + env + "/" + service
	out, err := s.run(ctx, "status", s.Status, where, scriptEnv(product, env, service))
	if err != nil {
		return nil, err
	}
	printed, err := parseInstances(out)
	if err != nil {
		return nil, fmt.Errorf("%w: status script of %s: %v", ErrScript, where, err)
	}
	var instances []Instance
	for _, p := range printed {
		if p.ID == "" || p.Version == "" {
			return nil, fmt.Errorf("%w: status script of %s: an instance (%s) has no id or version", ErrScript, where, p.Addr)
		}
		instances = append(instances, Instance{ID: p.ID, Product: product, Env: env, Service: service, Version: p.Version, Digest: p.Digest, Addr: p.Addr})
	}
	return instances, nil
}

// Stop runs retire once for each version of instances, then forgets them.
func (s *Script) Stop(ctx context.Context, instances []Instance) error {
	type group struct {
		first Instance
		ids   []string
	}
	groups := map[string]*group{}
	for _, in := range instances {
		key := strings.Join([]string{in.Product, in.Env, in.Service, in.Version, in.Deployment}, "\x00")
		if groups[key] == nil {
			groups[key] = &group{first: in}
		}
		groups[key].ids = append(groups[key].ids, in.ID)
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		g := groups[key]
		in := g.first
		where := in.where()
		env := append(scriptEnv(in.Product, in.Env, in.Service),
			"SIGNALMAN_VERSION="+in.Version,
			"SIGNALMAN_DEPLOYMENT="+in.Deployment,
			"SIGNALMAN_INSTANCE_IDS="+strings.Join(g.ids, " "),
		)
		if _, err := s.run(ctx, "retire", s.Retire, where, env); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, id := range g.ids {
			if err := s.forget(in.Product, in.Env, in.Service, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Traffic is how a service's traffic is split: what a weight command is
// told at every change.
type Traffic struct {
	Product, Env, Service       string
	StableVersion, StableDigest string
	CanaryVersion, CanaryDigest string
	// Weight is the canary's share, 0 to 100.
	Weight int
}

// TrafficFollower is a target told of every traffic change, for a platform
// that splits traffic itself.
type TrafficFollower interface {
	FollowTraffic(ctx context.Context, t Traffic) error
}

// FollowTraffic runs weight, if the script target has one.
func (s *Script) FollowTraffic(ctx context.Context, t Traffic) error {
	if s.Weight == "" {
		return nil
	}
	env := append(scriptEnv(t.Product, t.Env, t.Service),
		"SIGNALMAN_WEIGHT="+strconv.Itoa(t.Weight),
		"SIGNALMAN_STABLE_VERSION="+t.StableVersion,
		"SIGNALMAN_STABLE_DIGEST="+t.StableDigest,
		"SIGNALMAN_CANARY_VERSION="+t.CanaryVersion,
		"SIGNALMAN_CANARY_DIGEST="+t.CanaryDigest,
	)
	_, err := s.run(ctx, "weight", s.Weight, t.Product+"/"+t.Env+"/"+t.Service, env)
	return err
}

func scriptEnv(product, env, service string) []string {
	return []string{"SIGNALMAN_PRODUCT=" + product, "SIGNALMAN_ENV=" + env, "SIGNALMAN_SERVICE=" + service}
}

// run runs one command of the contract and returns its stdout.
func (s *Script) run(ctx context.Context, what, command, where string, env []string) ([]byte, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), env...)
	// The command's own children (docker, kubectl) go with it on a timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	// Wait returns once the command's stderr is copied in full (a pipe
	// read beside Wait may lose the last lines).
	stderr := &tailWriter{output: s.Output}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %s script of %s: %v", ErrScript, what, where, err)
	}
	err := cmd.Wait()
	lines := stderr.lines()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.Bytes(), nil
	case ctx.Err() != nil:
		// Timed out or cancelled: retryable, the call is idempotent.
		return nil, fmt.Errorf("%s script of %s did not finish within %s%s", what, where, timeout, tailText(lines))
	case errors.As(err, &exit) && exit.ExitCode() == ExitRetry:
		return nil, fmt.Errorf("%s script of %s asked for a retry (exit %d)%s", what, where, ExitRetry, tailText(lines))
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return nil, fmt.Errorf("%w: %s script of %s exited %d%s", ErrScript, what, where, exit.ExitCode(), tailText(lines))
	default:
		// Killed by a signal from elsewhere: as retryable as a dead worker.
		return nil, fmt.Errorf("%s script of %s: %v%s", what, where, err, tailText(lines))
	}
}

// tailWriter passes each line written to it to output and keeps the last
// scriptTail lines.
type tailWriter struct {
	output  func(string)
	partial []byte
	tail    []string
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *tailWriter) line(l string) {
	l = strings.TrimSuffix(l, "\r")
	if w.output != nil {
		w.output(l)
	}
	w.tail = append(w.tail, l)
	if len(w.tail) > scriptTail {
		w.tail = w.tail[1:]
	}
}

// lines are the last lines written, an unfinished last line among them.
func (w *tailWriter) lines() []string {
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
	return w.tail
}

func tailText(lines []string) string {
	if len(lines) == 0 {
		return "; it wrote nothing to stderr"
	}
	return "; stderr ends with:\n  " + strings.Join(lines, "\n  ")
}

// parseInstances reads a JSON array of instances, each with an http(s)
// address.
func parseInstances(out []byte) ([]scriptInstance, error) {
	var printed []scriptInstance
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&printed); err != nil {
		return nil, fmt.Errorf(`stdout is not a JSON array of instances ([{"id": "...", "addr": "http://host:port"}]): %v`, err)
	}
	for i, p := range printed {
		u, err := url.Parse(p.Addr)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("instance %d: addr %q is not a base URL such as http://10.0.0.7:8080", i, p.Addr)
		}
		printed[i].Addr = strings.TrimSuffix(p.Addr, "/")
		if p.ID != "" && !idRE.MatchString(p.ID) {
			return nil, fmt.Errorf("instance %d: id %q is not letters, digits, '.', '_' and '-'", i, p.ID)
		}
	}
	return printed, nil
}

// writeEnvFile writes the service's environment as KEY=value lines to a
// file only this user can read, for the deploy command.
func writeEnvFile(vars map[string]string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "signalman-env-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if k == "HOST" || k == "PORT" {
			// Where a service listens is the platform's choice.
			continue
		}
		if strings.ContainsAny(vars[k], "\n\r") {
			cleanup()
			return "", nil, fmt.Errorf("%w: the value of %s has a line break, which an env file cannot hold", ErrInvalidSpec, k)
		}
		fmt.Fprintf(&b, "%s=%s\n", k, vars[k])
	}
	path := filepath.Join(dir, "service.env")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		cleanup()
		return "", nil, err
	}
	return path, cleanup, nil
}

func (s *Script) recordDir(product, env, service string) string {
	return filepath.Join(s.Records, product, env, service)
}

func (s *Script) record(in Instance) error {
	if s.Records == "" {
		return nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dir := s.recordDir(in.Product, in.Env, in.Service)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeFileSynced(filepath.Join(dir, in.ID+".json"), data)
}

func (s *Script) forget(product, env, service, id string) error {
	if s.Records == "" || !idRE.MatchString(id) {
		return nil
	}
	err := os.Remove(filepath.Join(s.recordDir(product, env, service), id+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (s *Script) recorded(product, env, service string) ([]Instance, error) {
	if s.Records == "" {
		return nil, nil
	}
	dir := s.recordDir(product, env, service)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var instances []Instance
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		var in Instance
		if err := json.Unmarshal(data, &in); err != nil {
			return nil, fmt.Errorf("record %s: %w", filepath.Join(dir, e.Name()), err)
		}
		instances = append(instances, in)
	}
	return instances, nil
}
