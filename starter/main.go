// Command signalman is the release pipeline's CLI. It talks only to Temporal:
// every command starts a workflow, sends it a message or reads its state.
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

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/connect"
	"github.com/signalman/signalman/worker/app"
	"github.com/signalman/signalman/workflows/control"
)

// Exit codes scripts can rely on.
const (
	exitOK       = 0
	exitError    = 1 // anything unexpected: connection, server
	exitUsage    = 2 // bad arguments or a bad pipeline file
	exitRefused  = 3 // a gate refused the request
	exitNotFound = 4 // no such release
	exitFailed   = 5 // the release failed or was aborted (watch, release start --wait)
)

// cli holds the global flags.
type cli struct {
	conn    connect.Options
	output  string
	person  string
	product string
	key     string
}

func main() {
	app.RunRouter()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(os.Stderr, "signalman:", err)
	var code exitCode
	var refused *control.RefusedError
	switch {
	case errors.As(err, &code):
		return code.code
	case errors.As(err, &refused):
		return exitRefused
	case errors.Is(err, control.ErrNotFound):
		return exitNotFound
	case isCobraUsage(err):
		return exitUsage
	}
	return exitError
}

// exitCode carries a specific exit code with its error.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string { return e.err.Error() }
func (e exitCode) Unwrap() error { return e.err }

func usage(format string, args ...any) error {
	return exitCode{exitUsage, fmt.Errorf(format, args...)}
}

func newRoot() *cobra.Command {
	c := &cli{}
	root := &cobra.Command{
		Use:           "signalman",
		Short:         "Signalman carries releases from tag to production on Temporal",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if c.output != "text" && c.output != "json" {
			return usage("-o %q: want text or json", c.output)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage("%v", err) })
	fs := root.PersistentFlags()
	c.conn.Register(fs)
	fs.StringVarP(&c.output, "output", "o", "text", "output format: text or json")
	fs.StringVar(&c.person, "as", defaultPerson(), "who you are, for gates and audit (env SIGNALMAN_USER, else USER)")
	fs.StringVar(&c.key, "key", os.Getenv("SIGNALMAN_KEY"), "the SSH key you sign requests with: KEY.pub picks it from your ssh-agent, a private key file without a passphrase signs directly (env SIGNALMAN_KEY; default: your ssh-agent's first key)")
	fs.StringVar(&c.product, "product", os.Getenv("SIGNALMAN_PRODUCT"), "product (env SIGNALMAN_PRODUCT; default: the product of ./signalman.yaml)")
	root.AddCommand(
		c.releaseCmd(),
		c.signoffCmd(), c.approveCmd(), c.overrideCmd(), c.allowVulnsCmd(), c.decideCmd(), c.canaryCmd(), c.abortCmd(),
		c.statusCmd(), c.listCmd(), c.watchCmd(), c.runningCmd(), c.diffCmd(), c.rollbackCmd(), c.demoCmd(),
		c.trainCmd(), c.dotCmd(), c.freezeCmd(), c.unfreezeCmd(),
		c.candidateCmd(), c.scheduleCmd(),
		c.doraCmd(), c.gcCmd(), c.followCmd(), c.stageDeployCmd(), c.auditCmd(),
		configCmd(), c.setupCmd(), keysCmd(),
		c.initCmd(), c.downCmd(),
	)
	return root
}

func defaultPerson() string {
	if p := os.Getenv("SIGNALMAN_USER"); p != "" {
		return p
	}
	return os.Getenv("USER")
}

// withReleases connects to Temporal, runs fn and closes the connection.
func (c *cli) withReleases(cmd *cobra.Command, fn func(rs control.Releases) error) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cl, err := c.conn.Dial(cmd.Context(), logger)
	if err != nil {
		return err
	}
	defer cl.Close()
	return fn(control.Releases{Client: cl, Sign: c.sign})
}

// withRelease resolves the product and the VERSION argument, then connects
// and runs fn: what every command about one release starts with. A bad
// product or version is a usage error before any connection attempt.
func (c *cli) withRelease(cmd *cobra.Command, versionArgument string, fn func(rs control.Releases, product, version string) error) error {
	product, err := c.productOf()
	if err != nil {
		return err
	}
	version, err := versionArg(versionArgument)
	if err != nil {
		return err
	}
	return c.withReleases(cmd, func(rs control.Releases) error {
		return fn(rs, product, version)
	})
}

// isCobraUsage reports whether err is cobra's own complaint about the
// command line (an unknown command or flag, a flag without its value).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}
