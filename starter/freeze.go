package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) freezeCmd() *cobra.Command {
	var file, reason string
	var show bool
	cmd := &cobra.Command{
		Use:   "freeze PRODUCT --reason TEXT",
		Short: "Freeze production: every production deploy waits until unfreeze, except an approved exception",
		Example: `  signalman freeze shop --reason "payments migration until Tuesday" --as sam
  signalman freeze shop --status`,
		Args: exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *config.Pipeline
			if !show {
				if strings.TrimSpace(reason) == "" {
					return usage("a freeze needs --reason")
				}
				var err error
				if p, err = config.Load(file); err != nil {
					return exitCode{exitUsage, err}
				}
				if p.Product != args[0] {
					return usage("%s describes product %q, not %q", file, p.Product, args[0])
				}
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				if show {
					st, err := rs.FreezeStatus(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					return c.printFreeze(st)
				}
				st, err := rs.Freeze(cmd.Context(), *p, workflows.FreezeRequest{By: c.person, Reason: reason})
				if err != nil {
					return err
				}
				return c.printFreeze(st)
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file (who may freeze, where to announce it)")
	cmd.Flags().StringVar(&reason, "reason", "", "why production is frozen (required)")
	cmd.Flags().BoolVar(&show, "status", false, "show the freeze instead of freezing")
	return cmd
}

func (c *cli) unfreezeCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "unfreeze PRODUCT",
		Short:   "Lift a production freeze; releases waiting for it carry on",
		Example: `  signalman unfreeze shop --as sam`,
		Args:    exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				st, err := rs.Unfreeze(cmd.Context(), args[0], workflows.FreezeRequest{By: c.person})
				if err != nil {
					return err
				}
				return c.printFreeze(st)
			})
		},
	}
}

func (c *cli) printFreeze(st workflows.FreezeStatus) error {
	if c.output == "json" {
		return printJSON(st)
	}
	if f := st.Current; f.Frozen {
		fmt.Printf("%s production is FROZEN by %s since %s: %s\n", st.Product, f.By, f.Since.Local().Format("Mon 2006-01-02 15:04 MST"), f.Reason)
		if len(st.Watchers) > 0 {
			fmt.Printf("waiting: %s\n", strings.Join(st.Watchers, ", "))
		}
		return nil
	}
	fmt.Printf("%s production is not frozen\n", st.Product)
	if n := len(st.Past); n > 0 {
		f := st.Past[n-1]
		fmt.Printf("last freeze: by %s (%s), lifted by %s at %s\n", f.By, f.Reason, f.LiftedBy, f.LiftedAt.Local().Format("Mon 2006-01-02 15:04 MST"))
	}
	return nil
}
