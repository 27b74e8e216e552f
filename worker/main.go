// Command worker runs Signalman's Temporal worker. With --dev it also starts
// the embedded Temporal server and Web UI, so nothing else is needed.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/signalman/signalman/internal/dora"
	"github.com/signalman/signalman/worker/app"
)

func main() {
	app.RunRouter()
	var cfg app.Config
	fs := pflag.NewFlagSet("worker", pflag.ExitOnError)
	cfg.Conn.Register(fs)
	fs.BoolVar(&cfg.Dev, "dev", false, "start the embedded Temporal server and Web UI (the local default)")
	fs.StringVar(&cfg.DataDir, "data", app.DefaultDataDir(), "data directory (env SIGNALMAN_DATA)")
	fs.StringVar(&cfg.UIAddr, "ui", "127.0.0.1:8233", "Web UI address, with --dev (empty: no UI)")
	fs.StringVar(&cfg.Registry, "registry", os.Getenv("SIGNALMAN_REGISTRY"), "where images are pushed, host[:port][/path] (env SIGNALMAN_REGISTRY; with --dev, default: the embedded registry)")
	fs.StringVar(&cfg.RegistryAddr, "registry-addr", "127.0.0.1:5000", "embedded registry address, with --dev")
	fs.StringVar(&cfg.Keys.Private, "signing-key", "", "cosign private key (default: DATA/keys/cosign.key); its password comes from COSIGN_PASSWORD")
	fs.StringVar(&cfg.Keys.Public, "verify-key", "", "cosign public key deploys are verified with (default: DATA/keys/cosign.pub)")
	fs.StringVar(&cfg.Keys.Follow, "follow-signing-key", "", "cosign private key builds of a followed branch (environments with follow: main) are signed with, never the release key; same password (with --dev: DATA/keys/follow.key, made on first start and trusted by its deployers)")
	fs.StringArrayVar(&cfg.Keys.Trusted, "trust-key", nil, "another public key this worker's deploys accept (repeatable); an environment's verify_keys can narrow them, never widen")
	fs.StringVar(&cfg.MetricsAddr, "metrics", "127.0.0.1:9464", "serve Prometheus metrics here at /metrics (empty: off)")
	fs.StringVar(&cfg.DB, "db", os.Getenv("SIGNALMAN_DB"), "with --dev: keep the server's state in PostgreSQL, postgres://USER:PASSWORD@HOST:PORT/DB (env SIGNALMAN_DB; the schema is created or upgraded); servers on one database form one cluster")
	fs.StringVar(&cfg.SecretsDir, "secrets-dir", os.Getenv("SIGNALMAN_SECRETS_DIR"), "where the deploy role reads the services' secrets at deploy time: DIR/ENV/NAME, then DIR/NAME; without it, or for a secret not there, the variable SIGNALMAN_SECRET_NAME of this worker's environment (env SIGNALMAN_SECRETS_DIR)")
	fs.StringVar(&cfg.Roles, "roles", "all", "roles to serve, comma separated: orchestrate, source, build, sign, deploy:ENV, notify, or all (each role holds only its own secrets; see README)")
	envs := fs.String("environments", envOr("SIGNALMAN_ENVIRONMENTS", "stage,prod"), "the environments --roles all deploys to, comma separated (env SIGNALMAN_ENVIRONMENTS); list every environment of the pipelines this worker serves")
	fs.StringVar(&cfg.SlackAPI, "slack-api", os.Getenv("SIGNALMAN_SLACK_API"), "Slack API base URL (env SIGNALMAN_SLACK_API; default Slack's own)")
	fs.DurationVar(&cfg.DORA.Every, "dora-every", time.Minute, "how often the DORA gauges served with --metrics are recomputed")
	doraWindow := fs.String("dora-window", "30d", "how far back the DORA gauges look: days (30d), hours (12h) or a Go duration")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	fs.IntVar(&cfg.MaxCachedWorkflows, "max-cached-workflows", app.DefaultMaxCachedWorkflows, "workflows kept in memory between their events (the sticky cache); a release evicted from it is rebuilt from its history at its next event, so a smaller cache trades memory for replay time")
	fs.Parse(os.Args[1:])
	if cfg.MaxCachedWorkflows < 1 {
		fmt.Fprintf(os.Stderr, "worker: --max-cached-workflows %d: want at least 1\n", cfg.MaxCachedWorkflows)
		os.Exit(2)
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(os.Stderr, "worker: --log-level %q: want debug, info, warn or error\n", *level)
		os.Exit(2)
	}
	window, err := dora.ParseWindow(*doraWindow)
	if err != nil {
		fmt.Fprintf(os.Stderr, "worker: --dora-window: %v\n", err)
		os.Exit(2)
	}
	cfg.DORA.Window = window
	for _, e := range strings.Split(*envs, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cfg.Environments = append(cfg.Environments, e)
		}
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg); err != nil {
		var bad *app.UsageError
		if errors.As(err, &bad) {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(2)
		}
		cfg.Logger.Error("worker stopped", "error", err)
		os.Exit(1)
	}
}

// envOr is the environment variable name's value, or def when it is unset.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
