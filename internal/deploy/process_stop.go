package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Stop stops instances: SIGTERM to each one's process group, SIGKILL after
// Grace, then forgets it. Instances stop in parallel. An instance without a
// record, or whose record names another process (a later Start of the
// deployment replaced it), is left alone; one whose process has ended is
// only forgotten: a PID that now names another process is never signalled.
func (p *Process) Stop(ctx context.Context, instances []Instance) error {
	byDeployment := map[string][]Instance{}
	for _, in := range instances {
		if _, err := p.recordPath(in); err != nil {
			return fmt.Errorf("stop: %w", err)
		}
		dir := p.serviceDir(in.Product, in.Env, in.Service)
		key := Spec{Product: in.Product, Env: in.Env, Service: in.Service, Deployment: in.Deployment}.deploymentKey()
		lock := filepath.Join(dir, key+".lock")
		byDeployment[lock] = append(byDeployment[lock], in)
	}
	errs := make(chan error, len(byDeployment))
	for lock, group := range byDeployment {
		go func() {
			if _, err := os.Stat(filepath.Dir(lock)); errors.Is(err, fs.ErrNotExist) {
				errs <- nil // nothing of this service was ever recorded
				return
			}
			unlock, err := lockFile(ctx, lock)
			if err != nil {
				errs <- fmt.Errorf("stop %s: lock deployment %q: %w", group[0].where(), group[0].Deployment, err)
				return
			}
			defer unlock()
			errs <- p.stopLocked(ctx, group)
		}()
	}
	var all []error
	for range byDeployment {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// stopLocked stops instances, in parallel, with their deployments' locks held.
func (p *Process) stopLocked(ctx context.Context, instances []Instance) error {
	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Go(func() { errs[i] = p.stopOne(ctx, in) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stopOne stops one instance and removes its record.
func (p *Process) stopOne(ctx context.Context, in Instance) error {
	record, err := p.recordPath(in)
	if err != nil {
		return err
	}
	rec, err := readRecord(record)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop %s: %w", in.ID, err)
	}
	if in.PID != 0 && rec.PID != in.PID {
		// A later Start of the deployment replaced the instance asked for.
		return nil
	}
	if processAlive(rec) {
		grace := p.Grace
		if grace <= 0 {
			grace = DefaultGrace
		}
		if err := terminate(rec.PID); err != nil {
			return fmt.Errorf("stop %s (pid %d): %w", in.ID, rec.PID, err)
		}
		if !waitEnded(ctx, rec, grace) {
			if err := kill(rec.PID); err != nil {
				return fmt.Errorf("kill %s (pid %d): %w", in.ID, rec.PID, err)
			}
			if !waitEnded(context.WithoutCancel(ctx), rec, killWait) {
				return fmt.Errorf("stop %s: pid %d is still running %s after SIGKILL", in.ID, rec.PID, killWait)
			}
		}
	}
	if err := removeRecord(record); err != nil {
		return fmt.Errorf("stop %s: forget it: %w", in.ID, err)
	}
	return nil
}

// waitEnded waits until rec's process has ended, for at most d or until ctx
// is done, and reports whether it has.
func waitEnded(ctx context.Context, rec processRecord, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for processAlive(rec) {
		if !time.Now().Before(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return !processAlive(rec)
		case <-time.After(pollEvery):
		}
	}
	return true
}
