// Package app assembles a Signalman worker: it connects to Temporal (or
// starts the embedded server), registers the workflows and activities and
// serves metrics. `worker` runs it; `signalman demo` runs it in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/connect"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/devserver"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/workflows"
)

// DefaultMaxCachedWorkflows is the sticky cache's size unless set: at
// about 117 KiB of RSS a cached release over some 170 MiB of its own, it
// keeps an orchestrate worker near 0.75 GiB however many releases wait
// (the SDK's default, 10,000, would take about 1.3 GiB; BENCHMARKS.md,
// "Waiting releases on one worker").
const DefaultMaxCachedWorkflows = 5000

// Config is how a worker runs.
type Config struct {
	Conn connect.Options
	// Dev starts the embedded Temporal server and UI in DataDir.
	Dev     bool
	DataDir string
	// UIAddr is where the dev server's Web UI listens.
	UIAddr string
	// MetricsAddr serves Prometheus metrics at /metrics and, with
	// SLACK_SIGNING_SECRET set, Slack's buttons at /slack/interactions
	// (signed for the person with the key file SLACK_BRIDGE_KEY names,
	// where the pipeline says auth: signed); empty turns both off.
	MetricsAddr string
	// DORA configures the DORA gauges served with the metrics.
	DORA DORAOptions
	// SlackAPI overrides Slack's API address (tests use slacktest).
	SlackAPI string
	// Registry is where images are pushed; with Dev and no Registry, the
	// embedded registry at RegistryAddr.
	Registry     string
	RegistryAddr string
	// Keys is the cosign key pair (default: DefaultKeys(DataDir)); the
	// password comes from the COSIGN_PASSWORD environment variable.
	Keys Keys
	// RouterCommand starts a traffic router process (default RouterCommand()).
	RouterCommand []string
	Logger        *slog.Logger
	// Ready, if set, is called once the worker polls, with the client it
	// uses and the registry it pushes to.
	Ready func(c client.Client, registry string)
	// Roles are the roles the worker serves, as --roles takes them
	// (default "all": every role, and deploy:ENV for every environment;
	// "none", with Dev, runs the Temporal server alone).
	Roles string
	// Environments are the environments "all" deploys to, and that
	// signalman_deployed_info reports on (default stage and prod).
	Environments []string
	// SecretsDir is where the deploy role reads the services' secrets.
	SecretsDir string
	// MaxCachedWorkflows bounds the workflows this process keeps in its
	// sticky cache (0: DefaultMaxCachedWorkflows); a release evicted from
	// it is rebuilt from its history at its next event.
	MaxCachedWorkflows int
	// DB, with Dev, keeps the embedded server's state in PostgreSQL (a
	// postgres:// URL) instead of SQLite; servers on one database form
	// one cluster.
	DB string
}

// UsageError is a worker configuration that cannot work: a role that does
// not exist, or one whose secret or access is missing.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// DefaultDataDir is where the local default keeps its state: the
// SIGNALMAN_DATA environment variable, else .signalman in the user's home.
func DefaultDataDir() string {
	if d := os.Getenv("SIGNALMAN_DATA"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".signalman"
	}
	return filepath.Join(home, ".signalman")
}

// passwordEnv holds the signing key's password.
const passwordEnv = "COSIGN_PASSWORD"

// Run runs the worker until ctx is done, then shuts down gracefully: the
// worker stops polling and lets running activities finish or heartbeat out.
func Run(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	if cfg.Roles == "" {
		cfg.Roles = "all"
	}
	if len(cfg.Environments) == 0 {
		cfg.Environments = []string{config.Stage, config.Prod}
	}
	cfg.DORA.Envs = cfg.Environments
	if cfg.MaxCachedWorkflows < 0 {
		return &UsageError{fmt.Errorf("--max-cached-workflows %d: want at least 1", cfg.MaxCachedWorkflows)}
	}
	if cfg.MaxCachedWorkflows == 0 {
		cfg.MaxCachedWorkflows = DefaultMaxCachedWorkflows
	}
	// Process-wide, and read when the first worker starts.
	worker.SetStickyWorkflowCacheSize(cfg.MaxCachedWorkflows)
	serves, err := contract.ParseRoles(cfg.Roles, cfg.Environments)
	if err != nil {
		return &UsageError{err}
	}
	if len(serves) == 0 && !cfg.Dev {
		return &UsageError{errors.New("--roles none serves nothing without --dev, which runs the Temporal server")}
	}
	if cfg.DB != "" && !cfg.Dev {
		return &UsageError{errors.New("--db is the embedded server's database: give it with --dev (a worker on a real cluster takes --address)")}
	}
	if !cfg.Dev {
		if err := needs(serves, cfg); err != nil {
			return &UsageError{err}
		}
	}
	if cfg.Dev {
		srv, err := devserver.Start(ctx, devserver.Options{
			DataDir:          filepath.Join(cfg.DataDir, "temporal"),
			DB:               cfg.DB,
			FrontendAddr:     cfg.Conn.Address,
			UIAddr:           cfg.UIAddr,
			DisableUI:        cfg.UIAddr == "",
			Namespace:        cfg.Conn.Namespace,
			SearchAttributes: workflows.SearchAttributes(),
			Logger:           log,
		})
		if err != nil {
			return err
		}
		defer srv.Stop()
		cfg.Conn.Address = srv.FrontendAddr()
		log.Info("Temporal dev server started", "frontend", srv.FrontendAddr(), "ui", srv.UIURL(), "data", cfg.DataDir, "postgres", cfg.DB != "")
	}
	if len(serves) == 0 {
		// A server of a cluster and nothing more.
		log.Info("serving no role")
		<-ctx.Done()
		return nil
	}

	def := DefaultKeys(cfg.DataDir)
	if cfg.Keys.Private == "" {
		cfg.Keys.Private = def.Private
	}
	if cfg.Keys.Public == "" {
		cfg.Keys.Public = def.Public
	}
	if cfg.Dev {
		if cfg.Registry == "" {
			reg, err := registry.Start(ctx, registry.Options{Dir: filepath.Join(cfg.DataDir, "registry"), Addr: cfg.RegistryAddr, Logger: log})
			if err != nil {
				return err
			}
			defer reg.Stop()
			cfg.Registry = reg.Host()
			log.Info("registry started", "host", reg.Host())
		}
		created, err := ensureKeys(cfg.Keys, []byte(os.Getenv(passwordEnv)))
		if err != nil {
			return fmt.Errorf("signing keys: %w", err)
		}
		if created {
			log.Info("signing key pair created", "public", cfg.Keys.Public)
		}
		// The local default also signs builds of a followed branch, with
		// a key of their own that its deployers trust besides the
		// release key (an environment's verify_keys narrow it).
		if cfg.Keys.Follow == "" {
			follow := Keys{Private: def.Follow, Public: def.FollowPublic}
			created, err := ensureKeys(follow, []byte(os.Getenv(passwordEnv)))
			if err != nil {
				return fmt.Errorf("follow signing keys: %w", err)
			}
			if created {
				log.Info("follow signing key pair created", "public", follow.Public)
			}
			cfg.Keys.Follow, cfg.Keys.FollowPublic = def.Follow, def.FollowPublic
			cfg.Keys.Trusted = append(cfg.Keys.Trusted, def.FollowPublic)
		}
	}
	if cfg.Keys.Follow != "" {
		if _, err := os.Stat(cfg.Keys.Follow); err != nil {
			return &UsageError{fmt.Errorf("--follow-signing-key: %v", err)}
		}
	}
	if cfg.SecretsDir != "" {
		// A mistyped directory would fail every deploy that needs a
		// secret; say so now, before the worker takes any.
		if fi, err := os.Stat(cfg.SecretsDir); err != nil || !fi.IsDir() {
			return &UsageError{fmt.Errorf("--secrets-dir %s: not a directory the worker can read", cfg.SecretsDir)}
		}
	}

	metrics, err := newMetrics(cfg.MetricsAddr)
	if err != nil {
		return err
	}
	defer metrics.close()
	cfg.Conn.Metrics = metrics.handler

	c, err := cfg.Conn.Dial(ctx, log)
	if err != nil {
		return err
	}
	defer c.Close()

	deps := Deps{SecretsDir: cfg.SecretsDir, SlackAPI: cfg.SlackAPI, DataDir: cfg.DataDir, Logger: log, Registry: cfg.Registry, Keys: cfg.Keys, PasswordEnv: passwordEnv, RouterCommand: cfg.RouterCommand, Client: c}
	var queues []string
	for _, s := range serves {
		w := worker.New(c, s.Queue(), worker.Options{
			WorkerStopTimeout: 30 * time.Second,
			Interceptors:      []interceptor.WorkerInterceptor{&keepAlive{}},
		})
		if err := Register(w, s, deps); err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return fmt.Errorf("start the %s worker on task queue %s: %w", s, s.Queue(), err)
		}
		defer w.Stop()
		queues = append(queues, s.Queue())
	}
	stopDORA := startDORA(ctx, c, metrics.registry, cfg.DORA, log)
	defer stopDORA()
	log.Info("worker polling", "address", cfg.Conn.Address, "namespace", cfg.Conn.Namespace, "roles", cfg.Roles, "taskQueues", queues)
	if cfg.Ready != nil {
		cfg.Ready(c, cfg.Registry)
	}

	if metrics.handler != nil {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("serve metrics on %s: %w", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.http)
		if secret := os.Getenv("SLACK_SIGNING_SECRET"); secret != "" {
			bridge, err := slackBridge(os.Getenv("SLACK_BRIDGE_KEY"))
			if err != nil {
				return err
			}
			mux.Handle("/slack/interactions", slackInteractions(c, secret, bridge, log))
		}
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "error", err)
			}
		}()
		defer hs.Close()
		log.Info("metrics served", "url", "http://"+ln.Addr().String()+"/metrics")
	}

	<-ctx.Done()
	log.Info("shutting down")
	return nil
}

// needs checks that the worker has the secrets and access of every role it
// serves, and says which flag or variable is missing.
func needs(serves []contract.Serve, cfg Config) error {
	def := DefaultKeys(cfg.DataDir)
	for _, s := range serves {
		switch s.Role {
		case contract.Sign:
			key := cfg.Keys.Private
			if key == "" {
				key = def.Private
			}
			if _, err := os.Stat(key); err != nil {
				return fmt.Errorf("--roles %s needs the signing key: pass --signing-key FILE (%s: %v)", s, key, err)
			}
			if os.Getenv(passwordEnv) == "" {
				return fmt.Errorf("--roles %s needs the signing key's password in %s", s, passwordEnv)
			}
		case contract.Deploy:
			key := cfg.Keys.Public
			if key == "" {
				key = def.Public
			}
			if _, err := os.Stat(key); err != nil {
				return fmt.Errorf("--roles %s needs the public key %s trusts: pass --verify-key FILE (%s: %v)", s, s.Env, key, err)
			}
		case contract.Build:
			if cfg.Registry == "" {
				return fmt.Errorf("--roles %s needs the registry images are pushed to: pass --registry HOST[:PORT][/PATH] or set SIGNALMAN_REGISTRY", s)
			}
		}
	}
	return nil
}
