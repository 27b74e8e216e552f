package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// diffCmd shows what a release would change in an environment now.
func (c *cli) diffCmd() *cobra.Command {
	var env, file string
	cmd := &cobra.Command{
		Use:   "diff VERSION",
		Short: "What a release changes in an environment: each service's running and new version and digest, migrations, commits and pull requests",
		Example: `  signalman diff v1.101.0 --env prod
  signalman diff v1.101.0 --env prod-eu -o json`,
		Args: exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			if c.product != "" && c.product != p.Product {
				return usage("%s describes product %q, not %q", file, p.Product, c.product)
			}
			if _, ok := p.Environments[env]; !ok {
				return usage("--env %q: %s has no such environment (environments: %s)", env, file, strings.Join(p.EnvNames(), ", "))
			}
			c.product = p.Product
			return c.withRelease(cmd, args[0], func(rs control.Releases, product, v string) error {
				st, err := rs.Status(cmd.Context(), product, v)
				if err != nil {
					return err
				}
				if len(st.Artifacts) == 0 {
					return exitCode{exitFailed, fmt.Errorf("%s %s has built no images yet (at %s): nothing to compare", product, v, st.Stage)}
				}
				pv, err := rs.Preview(cmd.Context(), workflows.PreviewInput{Pipeline: *p, Version: v, Artifacts: st.Artifacts, Env: env})
				if err != nil {
					return exitCode{exitFailed, err}
				}
				if c.output == "json" {
					return printJSON(pv)
				}
				fmt.Fprint(os.Stdout, pv.Text())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&env, "env", config.Prod, "environment")
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	return cmd
}
