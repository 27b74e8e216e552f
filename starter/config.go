package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
)

func configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with pipeline files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a pipeline file; every problem is reported with its line and field",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(args[0])
			if err != nil {
				return exitCode{exitUsage, err}
			}
			fmt.Printf("%s: valid (product %s, %d service(s))\n", args[0], p.Product, len(p.Services))
			for i, wave := range p.Waves() {
				for j, env := range wave {
					how := "then"
					switch {
					case i == 0:
						how = "first"
					case j > 0:
						how = "with " + wave[0]
					}
					fmt.Printf("  %s (%s): %s\n", env, how, effective(p, env))
				}
			}
			return nil
		},
	})
	return cmd
}

// effective says how deploys to env happen, defaults included: the window
// that holds them, what a failure does, and the order of the services.
func effective(p *config.Pipeline, env string) string {
	e := p.Environments[env]
	w := "deploys at any time"
	if s := p.WindowOf(env); s != nil {
		w = "window " + s.String()
		if e.Window == nil {
			w += " (the default; window: always opens it)"
		}
	}
	names := make([]string, 0, len(p.Services))
	for _, s := range p.ServicesIn(env) {
		names = append(names, s.Name)
	}
	kind := ""
	if p.IsProduction(env) {
		kind = "production; "
	}
	signoffs := ""
	if len(e.Signoffs) > 0 {
		when := "before it deploys"
		if p.SignoffsAfterDeploy(env) {
			when = "once it runs here"
		}
		var roles []string
		for _, s := range e.Signoffs {
			roles = append(roles, fmt.Sprintf("%s x%d", s.Role, s.Count))
		}
		signoffs = fmt.Sprintf("; signoffs %s %s", strings.Join(roles, ", "), when)
	}
	return fmt.Sprintf("%s%s; on failure %s; order %s (%s)%s", kind, w, e.OnFailure, e.Order, strings.Join(names, ", "), signoffs)
}
