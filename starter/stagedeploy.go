package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/version"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// stageDeployCmd starts a temporary stage deploy, or shows one.
func (c *cli) stageDeployCmd() *cobra.Command {
	var file, name string
	var number int
	var picks, services []string
	cmd := &cobra.Command{
		Use:   "stage-deploy PRODUCT --train N --pick SHA [--pick SHA] --name NAME [--service S]",
		Short: "Try changes on stage before they are merged: pick them onto stage/NAME off train-N, deploy the services they touch to stage only, until the next release",
		Example: `  signalman stage-deploy shop --train 101 --pick 3f2c1e9 --name checkout-fix -c signalman.yaml
  signalman stage-deploy shop --train 101 --pick 3f2c1e9 --pick 8a1b2c3 --service api --name checkout-fix
  signalman stage-deploy status shop --name checkout-fix`,
		Args: exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			switch {
			case p.Product != args[0]:
				return usage("%s describes product %q, not %q", file, p.Product, args[0])
			case name == "":
				return usage("name the temporary deploy with --name NAME (its branch is stage/NAME), such as --name checkout-fix")
			case number < 1 || len(picks) == 0:
				return usage("give the train with --train N and at least one --pick SHA")
			}
			if err := workflows.CheckStageName(name); err != nil {
				return usage("%v", err)
			}
			if _, ok := p.Environments[config.Stage]; !ok {
				return usage("%s has no environment named %s (environments: %s); a temporary deploy goes to %s only", file, config.Stage, strings.Join(p.EnvNames(), ", "), config.Stage)
			}
			for _, s := range services {
				if _, ok := p.Service(s); !ok {
					var known []string
					for _, svc := range p.OrderedServices() {
						known = append(known, svc.Name)
					}
					return usage("--service %q: %s has no such service (services: %s)", s, file, strings.Join(known, ", "))
				}
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				in := workflows.StageDeployInput{Pipeline: *p, Name: name, Train: number, Picks: picks, Services: services, By: c.person}
				run, err := rs.StartStageDeploy(cmd.Context(), in)
				if err != nil {
					return err
				}
				fmt.Printf("temporary stage deploy %s of %s running: %v onto %s from %s (workflow %s, run %s)\n",
					name, p.Product, picks, workflows.StageBranch(name), version.Branch(number), workflows.StageDeployID(p.Product, name), run)
				fmt.Printf("watch it with `signalman stage-deploy status %s --name %s`; `signalman running --env %s` shows it once deployed\n", p.Product, name, config.Stage)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	cmd.Flags().IntVar(&number, "train", 0, "train whose branch the deploy starts from")
	cmd.Flags().StringArrayVar(&picks, "pick", nil, "commit to cherry-pick, merged or not (repeat, in order)")
	cmd.Flags().StringArrayVar(&services, "service", nil, "service to build and deploy (repeat; default: those whose build context the picks touch)")
	cmd.Flags().StringVar(&name, "name", "", "name of the deploy and of its branch stage/NAME: lowercase letters, digits and dashes, never a version")

	var statusName string
	status := &cobra.Command{
		Use:   "status PRODUCT --name NAME",
		Short: "Show what a temporary stage deploy did and does",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if statusName == "" {
				return usage("name the temporary deploy with --name NAME")
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				st, err := rs.StageDeployStatus(cmd.Context(), args[0], statusName)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(st)
				}
				fmt.Printf("temporary stage deploy %s of %s by %s since %s: %v onto %s from train-%d\n",
					st.Name, st.Product, st.By, st.Started.Local().Format(timeFormat), st.Picks, st.Branch, st.Train)
				if st.Version != "" {
					fmt.Printf("version %s (commit %s)\n", st.Version, st.Commit)
				}
				if len(st.Services) > 0 {
					fmt.Printf("services: %s (%s)\n", strings.Join(st.Services, ", "), st.Chosen)
				}
				fmt.Printf("%s\n", st.Doing)
				if st.Error != "" {
					fmt.Printf("failed: %s\n", st.Error)
				}
				return nil
			})
		},
	}
	status.Flags().StringVar(&statusName, "name", "", "name of the temporary deploy")
	cmd.AddCommand(status)
	return cmd
}
