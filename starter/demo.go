package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/examples"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/connect"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) demoCmd() *cobra.Command {
	var d demo
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the example product from tag to production on the local default, in one process",
		Long: `demo starts the embedded Temporal server and Web UI, the embedded registry and
the worker; makes a git repository of the example product; releases v1.1.0
to production, then v1.2.0 through a canary with traffic flowing through the
routers, approving every gate as demo users. With --bad, v1.2.0 is faulty:
its canary fails and rolls back while production keeps serving v1.1.0.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			d.conn = c.conn
			return d.run(cmd.Context())
		},
	}
	cmd.Flags().BoolVar(&d.bad, "bad", false, "release a faulty v1.2.0 and watch the canary roll it back")
	cmd.Flags().StringVar(&d.data, "data", "", "data directory (default: a new temporary directory)")
	cmd.Flags().StringVar(&d.ui, "ui", "127.0.0.1:8233", "Temporal Web UI address")
	cmd.Flags().DurationVar(&d.pause, "canary-pause", 8*time.Second, "pause of each canary step")
	cmd.Flags().BoolVar(&d.keep, "keep", false, "keep everything running after the demo until Ctrl-C")
	return cmd
}

// demo is one run of `signalman demo`.
type demo struct {
	conn  connect.Options
	bad   bool
	data  string
	ui    string
	pause time.Duration
	keep  bool

	rs       control.Releases
	uiURL    string
	registry string
	repo     string
	remote   string
}

// run starts the local default, releases the example twice and reports.
// A data directory of its own making is removed at the end, unless --keep
// asks to look around first.
func (d *demo) run(ctx context.Context) error {
	if d.data == "" {
		dir, err := os.MkdirTemp("", "signalman-demo-")
		if err != nil {
			return err
		}
		d.data = dir
		defer func() {
			if d.keep {
				fmt.Printf("data kept in %s\n", dir)
				return
			}
			if err := os.RemoveAll(dir); err != nil {
				fmt.Fprintln(os.Stderr, "demo: remove its data directory:", err)
			}
		}()
	}
	if err := os.MkdirAll(d.data, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(d.data, "demo.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logger := slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	wctx, stopWorker := context.WithCancel(ctx)
	type started struct {
		client   client.Client
		registry string
	}
	ready := make(chan started, 1)
	done := make(chan error, 1)
	// The worker and the server stop, and are waited for, before the
	// data directory they write to can go.
	defer func() {
		stopWorker()
		select {
		case <-done:
		case <-time.After(time.Minute):
		}
	}()
	fmt.Printf("starting Temporal, the Web UI, the registry and the worker in %s (logs: %s)\n", d.data, logPath)
	go func() {
		done <- app.Run(wctx, app.Config{
			Conn: d.conn, Dev: true, DataDir: d.data, UIAddr: d.ui, RegistryAddr: "127.0.0.1:0",
			Logger: logger, Ready: func(cl client.Client, registry string) { ready <- started{cl, registry} },
		})
	}()
	select {
	case s := <-ready:
		d.rs = control.Releases{Client: s.client}
		d.registry = s.registry
	case err := <-done:
		done <- err
		return fmt.Errorf("start the local default: %w (is another Signalman or Temporal using %s or %s?)", err, d.conn.Address, d.ui)
	case <-time.After(3 * time.Minute):
		return errors.New("the local default did not start within 3 minutes; see " + logPath)
	}
	d.uiURL = "http://" + strings.Replace(d.ui, "127.0.0.1", "localhost", 1)
	defer func() {
		if err := app.Cleanup(context.Background(), d.data); err != nil {
			fmt.Fprintln(os.Stderr, "demo: clean up:", err)
		}
	}()

	p, err := d.setup(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Temporal UI: %s  (filter: SignalmanProduct = \"shop\"), registry: %s\n\n", d.uiURL, d.registry)

	first, err := d.release(ctx, p, "v1.1.0")
	if err != nil {
		return err
	}
	load := startLoad(ctx, filepath.Join(d.data, "routers", p.Product, config.Prod), p.OrderedServices())
	second := "v1.2.0"
	change := map[string]string{"services/content-server/fault.json": "{}\n", "CHANGELOG": "v1.2.0: faster product list\n"}
	if d.bad {
		change = map[string]string{"services/api/fault.json": `{"error_rate": 0.4, "latency_ms": 30, "env": "prod"}` + "\n"}
	}
	if err := d.commit(ctx, "feat: v1.2.0", change); err != nil {
		return err
	}
	st, err := d.release(ctx, p, second)
	stats := load.stop()
	if err != nil && !d.bad {
		return err
	}
	summary(os.Stdout, isTerminal(os.Stdout), first, st, stats)
	fmt.Printf("\nTemporal UI: %s, registry: %s\n", d.uiURL, d.registry)
	if d.bad && st.State == workflows.Succeeded {
		return exitCode{exitFailed, errors.New("the faulty release reached production: the canary did not catch it")}
	}
	if d.keep {
		fmt.Println("everything keeps running; press Ctrl-C to stop")
		<-ctx.Done()
	}
	return nil
}

// setup makes the example product's git repository and pipeline.
func (d *demo) setup(ctx context.Context) (*config.Pipeline, error) {
	files, err := examples.Shop()
	if err != nil {
		return nil, err
	}
	d.repo = filepath.Join(d.data, "shop")
	d.remote = filepath.Join(d.data, "shop.git")
	if err := git(ctx, "", "init", "--quiet", "--bare", "--initial-branch=main", d.remote); err != nil {
		return nil, err
	}
	if err := git(ctx, "", "init", "--quiet", "--initial-branch=main", d.repo); err != nil {
		return nil, err
	}
	if err := git(ctx, d.repo, "remote", "add", "origin", d.remote); err != nil {
		return nil, err
	}
	if err := d.commit(ctx, "feat: the shop", files); err != nil {
		return nil, err
	}
	p, err := config.Parse("examples/shop/signalman.yaml", []byte(files["signalman.yaml"]))
	if err != nil {
		return nil, err
	}
	p.Repository.URL = d.remote
	p.Release.ShipDelay = 0
	// The real thing: every request the demo sends is signed by the
	// person's own SSH key and verified in the workflow.
	if d.rs.Sign, err = signAsPeople(p, filepath.Join(d.data, "keys")); err != nil {
		return nil, fmt.Errorf("make the demo people's SSH keys: %w", err)
	}
	prod := p.Environments[config.Prod]
	for i := range prod.Canary.Steps {
		prod.Canary.Steps[i].Pause = d.pause
	}
	// One analysis at full traffic before the previous version goes.
	prod.Bake = d.pause
	p.Environments[config.Prod] = prod
	return p, nil
}

// commit writes files into the demo repository, commits and pushes them.
func (d *demo) commit(ctx context.Context, msg string, files map[string]string) error {
	for name, body := range files {
		path := filepath.Join(d.repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return err
		}
	}
	if err := git(ctx, d.repo, "add", "--all"); err != nil {
		return err
	}
	if err := git(ctx, d.repo, "-c", "user.name=Demo Developer", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", msg); err != nil {
		return err
	}
	return git(ctx, d.repo, "push", "--quiet", "origin", "main")
}

// release starts a version and drives it to its end, approving every
// gate as the demo's people and showing the stage table as it goes.
func (d *demo) release(ctx context.Context, p *config.Pipeline, version string) (workflows.Status, error) {
	if _, _, err := d.rs.Start(ctx, workflows.ReleaseInput{Pipeline: *p, Version: version, TriggeredBy: "rita"}); err != nil {
		return workflows.Status{}, err
	}
	show := newProgress(os.Stdout, isTerminal(os.Stdout), fmt.Sprintf("Temporal UI: %s, registry: %s\n\n", d.uiURL, d.registry))
	for {
		st, err := d.rs.Status(ctx, p.Product, version)
		if err != nil {
			return st, err
		}
		show.show(st)
		if st.Finished() {
			if st.State != workflows.Succeeded {
				return st, fmt.Errorf("%s %s %s: %s", p.Product, version, st.State, st.Error)
			}
			return st, nil
		}
		d.approve(ctx, p, st)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// approve answers the gate a release waits at, as the people of the example's pipeline.
func (d *demo) approve(ctx context.Context, p *config.Pipeline, st workflows.Status) {
	var s workflows.StageStatus
	for _, x := range st.Stages {
		if x.Name == st.Stage {
			s = x
		}
	}
	var err error
	switch {
	case st.Stage == workflows.StageQASignoff && s.State == workflows.Waiting:
		_, err = d.rs.Send(ctx, p.Product, st.Version, contract.Signoff, workflows.SignoffRequest{Env: config.Stage, Person: "quinn", Verdict: workflows.Green, Via: "demo"})
	case st.Stage == workflows.StageApproval && s.State == workflows.Waiting:
		_, err = d.rs.Send(ctx, p.Product, st.Version, contract.Signoff, workflows.SignoffRequest{Env: config.Prod, Person: "sam", Verdict: workflows.Green, Via: "demo"})
	case st.Stage == workflows.StageWindow && s.State == workflows.Waiting && st.Exception == nil:
		_, err = d.rs.Send(ctx, p.Product, st.Version, contract.OverrideWindow, workflows.OverrideRequest{
			Person: "sasha", Reason: workflows.UrgentDeadline, Justification: "the demo runs outside the deploy window"})
	case st.Stage == workflows.StageCanary:
		for _, svc := range p.OrderedServices() {
			dep, qerr := d.rs.Deploy(ctx, p.Product, st.Version, config.Prod, svc.Name)
			if qerr != nil || !strings.Contains(dep.Phase, "marginal") {
				continue
			}
			err = d.rs.CanaryDecision(ctx, p.Product, st.Version, config.Prod, svc.Name, workflows.CanaryDecisionRequest{
				Person: "sam", Continue: !d.bad, Reason: "demo decision on a marginal canary"})
		}
	}
	var refused *control.RefusedError
	if err != nil && !errors.As(err, &refused) {
		fmt.Fprintln(os.Stderr, "demo:", err)
	}
}

// git runs git for the demo repository with no machine configuration.
func git(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}
