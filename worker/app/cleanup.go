package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
)

// Scope picks the services StopLocal stops; an empty field matches all.
type Scope struct {
	Product string
	Env     string
}

func (s Scope) has(product, env string) bool {
	return (s.Product == "" || s.Product == product) && (s.Env == "" || s.Env == env)
}

// Stopped is one router, instance or container StopLocal stopped.
type Stopped struct {
	Product, Env, Service string
	// Router is true for the service's router, false for an instance.
	Router bool
	// PID is the process stopped (a router, or an instance on the process
	// target); 0 for a container or a router that did not answer.
	PID int
	// Container is the container stopped, on the docker target.
	Container string
	// Version is the version an instance ran.
	Version string
}

// StopLocal stops the routers and service instances started from dataDir
// that scope picks, on the process target and (when an engine answers) the
// docker target, and returns what it stopped: what a local environment
// (`worker --dev`, `signalman demo`, the tests) leaves running otherwise,
// since all of them outlive the worker by design. Nothing to stop is not an
// error; one service that cannot be stopped does not keep the others running.
func StopLocal(ctx context.Context, dataDir string, scope Scope) ([]Stopped, error) {
	targets := []deploy.Target{&deploy.Process{Dir: filepath.Join(dataDir, "deploy")}}
	if cli, err := artifact.DockerClient(); err == nil && artifact.DockerAvailable(ctx) {
		defer cli.Close()
		targets = append(targets, &deploy.Docker{Client: cli, Site: deploy.SiteOf(dataDir)})
	}
	routers := filepath.Join(dataDir, "routers")
	var stopped []Stopped
	var errs []error
	for _, svc := range localServices(dataDir) {
		product, env, service := svc[0], svc[1], svc[2]
		if !scope.has(product, env) {
			continue
		}
		allStopped := true
		for _, target := range targets {
			running, err := target.Running(ctx, product, env, service)
			if err == nil {
				err = target.Stop(ctx, running)
			}
			if err != nil {
				errs = append(errs, err)
				allStopped = false
				continue
			}
			for _, in := range running {
				stopped = append(stopped, Stopped{Product: product, Env: env, Service: service, PID: in.PID, Container: in.Container, Version: in.Version})
			}
		}
		dir := filepath.Join(routers, product, env, service)
		// A router that answers names its pid; one that does not is
		// stopped all the same, through the lock it holds.
		_, info, openErr := router.Open(dir)
		if err := router.Stop(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if openErr == nil {
			stopped = append(stopped, Stopped{Product: product, Env: env, Service: service, Router: true, PID: info.PID})
		}
		// With every instance gone, the routes name nobody: the next
		// deploy starts the service afresh.
		if allStopped {
			if err := router.Forget(dir); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return stopped, errors.Join(errs...)
}

// Cleanup stops every router and service instance started from dataDir.
func Cleanup(ctx context.Context, dataDir string) error {
	_, err := StopLocal(ctx, dataDir, Scope{})
	return err
}

// localServices lists the services, as product, environment and service,
// that have a router or instance records under dataDir, in name order.
func localServices(dataDir string) [][3]string {
	var found [][3]string
	for _, root := range []string{filepath.Join(dataDir, "routers"), filepath.Join(dataDir, "deploy", "instances")} {
		dirs, _ := filepath.Glob(filepath.Join(root, "*", "*", "*"))
		for _, dir := range dirs {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				continue
			}
			env := filepath.Dir(dir)
			svc := [3]string{filepath.Base(filepath.Dir(env)), filepath.Base(env), filepath.Base(dir)}
			if !slices.Contains(found, svc) {
				found = append(found, svc)
			}
		}
	}
	slices.SortFunc(found, func(a, b [3]string) int { return slices.Compare(a[:], b[:]) })
	return found
}
