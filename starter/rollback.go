package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) rollbackCmd() *cobra.Command {
	var file, env, service, to, reason string
	cmd := &cobra.Command{
		Use:   "rollback PRODUCT",
		Short: "Redeploy the previous (or a named) release's signed images: verified, no rebuild, no schema rollback",
		Example: `  signalman rollback shop --env prod --reason "checkout errors since 14:02"
  signalman rollback shop --env prod --service auth-server --to v1.100.2 --reason "login loop"`,
		Args: exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			if p.Product != args[0] {
				return usage("%s describes product %q, not %q", file, p.Product, args[0])
			}
			if strings.TrimSpace(reason) == "" {
				return usage("a rollback needs --reason")
			}
			if env != config.Stage && env != config.Prod {
				return usage("--env %q: want %s or %s", env, config.Stage, config.Prod)
			}
			if service != "" {
				if _, ok := p.Service(service); !ok {
					return usage("--service %q: %s has no such service", service, file)
				}
			}
			if to != "" {
				if to, err = versionArg(to); err != nil {
					return err
				}
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				res, err := rs.Rollback(cmd.Context(), workflows.RollbackInput{Pipeline: *p, Env: env, Service: service, To: to, By: c.person, Reason: reason})
				if err != nil {
					return exitCode{exitFailed, err}
				}
				if c.output == "json" {
					return printJSON(res)
				}
				fmt.Printf("%s on %s rolled back from %s to %s:\n", p.Product, env, res.From, res.To)
				for _, s := range res.Services {
					fmt.Printf("  %s %s (%s)\n", s.Service, s.Digest, s.Outcome)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	cmd.Flags().StringVar(&env, "env", config.Prod, "environment")
	cmd.Flags().StringVar(&service, "service", "", "roll back only this service")
	cmd.Flags().StringVar(&to, "to", "", "version to return to (default: the release before the one serving)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}
