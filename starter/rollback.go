package main

import (
	"errors"
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
			if _, ok := p.Environments[env]; !ok {
				return usage("--env %q: %s has no such environment (environments: %s)", env, file, strings.Join(p.EnvNames(), ", "))
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
				// A service in its bake still has its previous version
				// running: the rollback is a switch of the router.
				v, svc, baking, err := rs.BakeRollback(cmd.Context(), p.Product, env, service, workflows.CanaryDecisionRequest{Person: c.person, Reason: reason})
				if err != nil {
					return exitCode{exitFailed, err}
				}
				if baking {
					fmt.Printf("%s on %s: %s of %s was baking; the router switched back to the version before it, which kept running, and %s fails and does what %s's on_failure says\n",
						p.Product, env, svc, v, v, env)
					return nil
				}
				res, err := rs.Rollback(cmd.Context(), workflows.RollbackInput{Pipeline: *p, Env: env, Service: service, To: to, By: c.person, Reason: reason})
				var refused *control.RefusedError
				if errors.As(err, &refused) {
					return err
				}
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
