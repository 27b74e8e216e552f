package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
)

// Deployer runs a service's signed image on its target, behind the router
// of that service and environment, and moves traffic. Each router runs as
// a process of its own and keeps its state on disk, so a worker restart
// drops no request; the version a rollback switches back to is recorded
// beside it until it is retired.
type Deployer struct {
	// Dir holds the routers: Dir/<product>/<env>/<service>.
	Dir string
	// Targets are the deploy targets by name ("process", "docker").
	Targets map[string]deploy.Target
	// ScriptRecords is where the script target keeps what its deploy
	// commands printed (the script target is made per request, from the
	// pipeline's commands).
	ScriptRecords string
	// Secrets is where the services' secrets are read at deploy time.
	Secrets Secrets
	// RouterCommand starts a router process (the binary re-executed in router mode).
	RouterCommand []string
}

// routerDir is where the router of a service in an environment lives.
func (d *Deployer) routerDir(product, env, service string) string {
	return filepath.Join(d.Dir, product, env, service)
}

// router finds the service's router, starting it if it is not running.
func (d *Deployer) router(ctx context.Context, product, env, service string) (router.Client, router.Info, error) {
	c, info, err := router.Ensure(ctx, d.routerDir(product, env, service), d.RouterCommand)
	if err != nil {
		return c, info, fmt.Errorf("router of %s on %s: %w", service, env, err)
	}
	return c, info, nil
}

// routed returns a service's target, its router and the router's state:
// what every traffic change starts from.
func (d *Deployer) routed(ctx context.Context, target string, script *config.Script, product, env, service string) (deploy.Target, router.Client, router.State, error) {
	t, err := d.target(ctx, target, script)
	if err != nil {
		return nil, router.Client{}, router.State{}, err
	}
	rc, _, err := d.router(ctx, product, env, service)
	if err != nil {
		return nil, rc, router.State{}, err
	}
	st, err := rc.State(ctx)
	return t, rc, st, err
}

// target is the named target; the script target is made from the
// environment's commands, its output lines becoming heartbeats.
func (d *Deployer) target(ctx context.Context, name string, script *config.Script) (deploy.Target, error) {
	if name == "" {
		name = "process"
	}
	if name == config.TargetScript {
		if script == nil || script.Deploy == "" || script.Retire == "" {
			return nil, badInput("the script target needs its deploy and retire commands (environments.ENV.script)")
		}
		return &deploy.Script{
			ScriptCommands: deploy.ScriptCommands{Deploy: script.Deploy, Retire: script.Retire, Weight: script.Weight, Status: script.Status, Dir: script.Dir, Timeout: script.Timeout},
			Records:        d.ScriptRecords,
			Output:         lineHeartbeat(ctx),
		}, nil
	}
	t, ok := d.Targets[name]
	if !ok {
		return nil, badInput("deploy target %q is not available on this worker", name)
	}
	return t, nil
}

// setState routes the service as st says, and tells a target that splits
// traffic itself (the script target's weight command).
func (d *Deployer) setState(ctx context.Context, t deploy.Target, rc router.Client, product, env, service string, st router.State) error {
	if _, err := rc.SetState(ctx, st); err != nil {
		return err
	}
	f, ok := t.(deploy.TrafficFollower)
	if !ok {
		return nil
	}
	tr := deploy.Traffic{Product: product, Env: env, Service: service, Weight: st.Weight}
	if st.Stable != nil {
		tr.StableVersion, tr.StableDigest = st.Stable.Version, st.Stable.Digest
	}
	if st.Canary != nil {
		tr.CanaryVersion, tr.CanaryDigest = st.Canary.Version, st.Canary.Digest
	}
	return f.FollowTraffic(ctx, tr)
}

// Deploy starts the new version's instances and routes to them: as the
// canary at req.Weight, or (at 100, or when nothing serves yet) as the
// stable version, keeping the previous one running for an instant rollback.
// A canary at weight 0 takes no user traffic, only test requests (see
// router.HeaderRoute), until SetTraffic gives it a share.
func (d *Deployer) Deploy(ctx context.Context, req contract.DeployRequest) (contract.DeployOutcome, error) {
	if req.Weight < 0 || req.Weight > 100 {
		return contract.DeployOutcome{}, badInput("deploy %s %s to %s: weight %d is out of range: use a percentage from 0 to 100", req.Service.Name, req.Version, req.Env, req.Weight)
	}
	// Every secret is read before anything starts: a missing one fails
	// the deploy with nothing to undo.
	vars, err := d.Secrets.serviceEnv(req)
	if err != nil {
		return contract.DeployOutcome{}, err
	}
	t, rc, st, err := d.routed(ctx, req.Target, req.Script, req.Product, req.Env, req.Service.Name)
	if err != nil {
		return contract.DeployOutcome{}, err
	}
	activity.RecordHeartbeat(ctx, "starting instances")
	insts, err := t.Start(ctx, deploy.Spec{
		Product: req.Product, Env: req.Env, Service: req.Service.Name, Version: req.Version,
		Image: req.Artifact.Ref(), Deployment: req.Version, Instances: req.Service.Instances,
		Health: req.Service.Health.Path, HealthTimeout: req.Service.Health.Timeout, HealthInterval: req.Service.Health.Interval,
		EnvVars: vars,
	})
	if err != nil {
		return contract.DeployOutcome{}, deployError(req, err)
	}
	pool := &router.Pool{Version: req.Version, Digest: req.Artifact.Digest}
	for _, in := range insts {
		pool.Backends = append(pool.Backends, in.Addr)
	}
	switch {
	case st.Stable == nil || st.Stable.Version == req.Version:
		st.Stable, st.Canary, st.Weight = pool, nil, 0
	case req.Weight >= 100:
		if err := d.savePrevious(req.Product, req.Env, req.Service.Name, st.Stable); err != nil {
			return contract.DeployOutcome{}, err
		}
		st.Stable, st.Canary, st.Weight = pool, nil, 0
	default:
		st.Canary, st.Weight = pool, req.Weight
	}
	if err := d.setState(ctx, t, rc, req.Product, req.Env, req.Service.Name, st); err != nil {
		return contract.DeployOutcome{}, fmt.Errorf("route %s on %s to %s: %w", req.Service.Name, req.Env, req.Version, err)
	}
	activity.GetLogger(ctx).Info("deployed", "service", req.Service.Name, "env", req.Env, "version", req.Version, "weight", req.Weight, "instances", len(insts))
	return contract.DeployOutcome{Canary: st.Canary != nil}, nil
}

// SetTraffic sets the canary's share; at 100 the canary becomes the stable
// version and the old stable is kept for an instant rollback.
func (d *Deployer) SetTraffic(ctx context.Context, req contract.TrafficRequest) error {
	t, rc, st, err := d.routed(ctx, req.Target, req.Script, req.Product, req.Env, req.Service)
	if err != nil {
		return err
	}
	if st.Canary == nil {
		// Nothing to move: a first deploy went straight to stable, or a
		// retry finds the promotion done.
		return nil
	}
	if req.Weight >= 100 {
		if err := d.savePrevious(req.Product, req.Env, req.Service, st.Stable); err != nil {
			return err
		}
		st.Stable, st.Canary, st.Weight = st.Canary, nil, 0
	} else {
		st.Weight = req.Weight
	}
	return d.setState(ctx, t, rc, req.Product, req.Env, req.Service, st)
}

// Rollback takes a failed version out of traffic: a canary is dropped; a
// version that already serves as stable is replaced by the previous one,
// still running. Then the failed version's instances stop.
func (d *Deployer) Rollback(ctx context.Context, req contract.RollbackRequest) error {
	t, rc, st, err := d.routed(ctx, req.Target, req.Script, req.Product, req.Env, req.Service)
	if err != nil {
		return err
	}
	switch {
	case st.Canary != nil && st.Canary.Version == req.Version:
		st.Canary, st.Weight = nil, 0
	case st.Stable != nil && st.Stable.Version == req.Version:
		prev, err := d.previous(req.Product, req.Env, req.Service)
		if err != nil {
			return err
		}
		st.Stable = prev // nil when this was the first version: nothing is left serving
	}
	if err := d.setState(ctx, t, rc, req.Product, req.Env, req.Service, st); err != nil {
		return err
	}
	if err := d.stop(ctx, t, req.Product, req.Env, req.Service, func(v string) bool { return v == req.Version }); err != nil {
		return err
	}
	activity.GetLogger(ctx).Warn("rolled back", "service", req.Service, "env", req.Env, "version", req.Version, "reason", req.Reason)
	return nil
}

// Retire stops every instance of a service that is not req.Version, once
// req.Version serves as stable.
func (d *Deployer) Retire(ctx context.Context, req contract.RetireRequest) error {
	t, _, st, err := d.routed(ctx, req.Target, req.Script, req.Product, req.Env, req.Service)
	if err != nil {
		return err
	}
	if st.Stable == nil || st.Stable.Version != req.Version || st.Canary != nil {
		return badInput("retire old versions of %s on %s: %s is not the only version serving", req.Service, req.Env, req.Version)
	}
	if err := d.stop(ctx, t, req.Product, req.Env, req.Service, func(v string) bool { return v != req.Version }); err != nil {
		return err
	}
	return d.savePrevious(req.Product, req.Env, req.Service, nil)
}

// Promote checks that every service of the release serves its digest as
// the stable version: the release is then what production runs.
func (d *Deployer) Promote(ctx context.Context, req contract.PromoteRequest) error {
	for _, a := range req.Artifacts {
		rc, _, err := d.router(ctx, req.Product, req.Env, a.Service)
		if err != nil {
			return err
		}
		st, err := rc.State(ctx)
		if err != nil {
			return err
		}
		if st.Stable == nil || st.Stable.Digest != a.Digest || st.Canary != nil {
			return badInput("promote %s %s: %s on %s does not serve %s alone", req.Product, req.Version, a.Service, req.Env, a.Digest)
		}
	}
	return nil
}

// stop stops the service's instances whose version matches.
func (d *Deployer) stop(ctx context.Context, t deploy.Target, product, env, service string, match func(version string) bool) error {
	running, err := t.Running(ctx, product, env, service)
	if err != nil {
		return err
	}
	var doomed []deploy.Instance
	for _, in := range running {
		if match(in.Version) {
			doomed = append(doomed, in)
		}
	}
	return t.Stop(ctx, doomed)
}

// savePrevious records (or, with nil, forgets) the version a rollback
// switches back to.
func (d *Deployer) savePrevious(product, env, service string, p *router.Pool) error {
	path := filepath.Join(d.routerDir(product, env, service), "previous.json")
	if p == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// previous returns the version a rollback switches back to, or nil.
func (d *Deployer) previous(product, env, service string) (*router.Pool, error) {
	data, err := os.ReadFile(filepath.Join(d.routerDir(product, env, service), "previous.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p router.Pool
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("previous version of %s on %s: %w", service, env, err)
	}
	return &p, nil
}

// deployError makes refusals and unhealthy instances permanent.
func deployError(req contract.DeployRequest, err error) error {
	var unhealthy *deploy.UnhealthyError
	if errors.Is(err, deploy.ErrInvalidSpec) || errors.Is(err, deploy.ErrBadImage) || errors.Is(err, deploy.ErrScript) || errors.As(err, &unhealthy) {
		return permanent(contract.ErrRefused, fmt.Errorf("deploy %s %s to %s: %w", req.Service.Name, req.Version, req.Env, err))
	}
	return fmt.Errorf("deploy %s %s to %s: %w", req.Service.Name, req.Version, req.Env, err)
}
