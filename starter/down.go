package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/worker/app"
)

func (c *cli) downCmd() *cobra.Command {
	var env, data string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the routers and service instances of the local default",
		Long: `down stops what the local default (worker --dev, the demo) started under its
data directory and left running on purpose, so that production keeps serving
while the worker is down: each service's router and its instances (processes,
or containers on the docker target). It prints one line for each thing it
stopped. --product and --env narrow it; without them it stops everything.
It does not stop the worker (Ctrl-C does) nor touch release history: a
later release starts the routers again.`,
		Example: `  signalman down
  signalman down --product shop --env stage`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			stopped, err := app.StopLocal(cmd.Context(), data, app.Scope{Product: c.product, Env: env})
			if len(stopped) == 0 && err == nil {
				fmt.Printf("nothing running under %s%s\n", data, scopeText(c.product, env))
				return nil
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			for _, s := range stopped {
				fmt.Fprintf(w, "stopped\t%s\t%s\t%s\t%s\n", s.Product, s.Env, s.Service, stoppedWhat(s))
			}
			w.Flush()
			if err != nil {
				return fmt.Errorf("down %s: %w; run signalman down again", data, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only this environment (default: all)")
	cmd.Flags().StringVar(&data, "data", app.DefaultDataDir(), "the worker's data directory (env SIGNALMAN_DATA)")
	return cmd
}

// stoppedWhat names a stopped router, instance or container.
func stoppedWhat(s app.Stopped) string {
	switch {
	case s.Router && s.PID != 0:
		return fmt.Sprintf("router pid %d", s.PID)
	case s.Router:
		return "router"
	case s.Container != "":
		return fmt.Sprintf("container %.12s (%s)", s.Container, s.Version)
	default:
		return fmt.Sprintf("instance pid %d (%s)", s.PID, s.Version)
	}
}

// scopeText says which product and environment down looked at.
func scopeText(product, env string) string {
	switch {
	case product != "" && env != "":
		return fmt.Sprintf(" for %s on %s", product, env)
	case product != "":
		return " for " + product
	case env != "":
		return " on " + env
	}
	return ""
}
