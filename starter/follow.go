package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// followCmd starts (or stops) the environments that follow the main branch.
func (c *cli) followCmd() *cobra.Command {
	var file string
	var stop bool
	cmd := &cobra.Command{
		Use:   "follow",
		Short: "Deploy every new commit of the main branch to the environments that follow it (follow: main), and show what they did",
		Example: `  signalman follow -c signalman.yaml
  signalman follow --stop`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			envs := p.Followers()
			if len(envs) == 0 {
				return usage("%s has no environment that follows %s (follow: %s)", file, p.Repository.MainBranch, p.Repository.MainBranch)
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				var all []workflows.FollowStatus
				for _, env := range envs {
					if stop {
						if err := rs.StopFollowing(cmd.Context(), p.Product, env); err != nil {
							return err
						}
						fmt.Printf("%s of %s no longer follows %s\n", env, p.Product, p.Environments[env].Follow)
						continue
					}
					if err := rs.Follow(cmd.Context(), workflows.FollowInput{Pipeline: *p, Env: env}); err != nil {
						return err
					}
					st, err := rs.FollowStatus(cmd.Context(), p.Product, env)
					if err != nil {
						return err
					}
					all = append(all, st)
				}
				if stop {
					return nil
				}
				if c.output == "json" {
					return printJSON(all)
				}
				for _, st := range all {
					fmt.Printf("%s of %s follows %s: %s\n", st.Env, st.Product, st.Branch, st.Doing)
					for _, d := range st.Recent {
						line := fmt.Sprintf("  %s %s at %s", d.Version, d.Outcome, d.At.Local().Format(timeFormat))
						if d.Error != "" {
							line += ": " + d.Error
						}
						fmt.Println(line)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	cmd.Flags().BoolVar(&stop, "stop", false, "stop following")
	return cmd
}
