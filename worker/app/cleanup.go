package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/internal/deploy/router"
)

// Cleanup stops every service instance started from dataDir, on the
// process target and (when an engine answers) the docker target, and every
// router: what `signalman demo` and the tests leave behind otherwise, since
// all of them outlive the worker by design.
func Cleanup(ctx context.Context, dataDir string) error {
	targets := []deploy.Target{&deploy.Process{Dir: filepath.Join(dataDir, "deploy")}}
	if cli, err := artifact.DockerClient(); err == nil && artifact.DockerAvailable(ctx) {
		defer cli.Close()
		targets = append(targets, &deploy.Docker{Client: cli})
	}
	routers := filepath.Join(dataDir, "routers")
	dirs, _ := filepath.Glob(filepath.Join(routers, "*", "*", "*"))
	var errs []error
	for _, dir := range dirs {
		product, env, service := filepath.Base(filepath.Dir(filepath.Dir(dir))), filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		for _, target := range targets {
			running, err := target.Running(ctx, product, env, service)
			if err != nil {
				errs = append(errs, err)
			}
			if err := target.Stop(ctx, running); err != nil {
				errs = append(errs, err)
			}
		}
		if err := router.Stop(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
