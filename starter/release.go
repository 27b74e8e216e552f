package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/version"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) releaseCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "release", Short: "Start releases"}
	var (
		file, ref, eta, opsNote string
		wait                    bool
	)
	start := &cobra.Command{
		Use:   "start VERSION",
		Short: "Tag VERSION and carry it from test to production",
		Example: `  signalman release start v1.101.0 --config signalman.yaml
  signalman release start v1.101.1 --ref 3f2c1e9 --eta 2026-11-24T10:00:00-05:00`,
		Args: exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			if c.product != "" && c.product != p.Product {
				return usage("--product %s does not match product %q of %s", c.product, p.Product, file)
			}
			v, err := version.Parse(args[0])
			if err != nil {
				return usage("%v", err)
			}
			if v.Major != p.Versioning.Major {
				return usage("%s has major version %d but %s says versioning.major: %d", v, v.Major, file, p.Versioning.Major)
			}
			in := workflows.ReleaseInput{Pipeline: *p, Version: v.String(), Ref: ref, TriggeredBy: c.person}
			if in.TriggeredBy == "" {
				return usage("who is releasing? pass --as NAME or set SIGNALMAN_USER")
			}
			if strings.ContainsAny(opsNote, "\r\n") {
				return usage("--ops-note must be one line; link to a runbook for longer steps")
			}
			in.OpsNote = strings.TrimSpace(opsNote)
			if eta != "" {
				t, err := time.Parse(time.RFC3339, eta)
				if err != nil {
					return usage("--eta %q is not an RFC 3339 time (like 2026-11-24T10:00:00-05:00)", eta)
				}
				in.ETA = t
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				runID, existing, err := rs.Start(cmd.Context(), in)
				if err != nil {
					return err
				}
				// The product's garbage collection runs on a schedule
				// from its first release on, with the pipeline's latest
				// retention; a failure here does not stop the release.
				created, gcErr := rs.ScheduleGC(cmd.Context(), workflows.GCInput{Pipeline: *p, By: c.person})
				switch {
				case gcErr != nil:
					fmt.Fprintf(os.Stderr, "warning: the gc schedule of %s was not made or updated: %v\n", p.Product, gcErr)
				case created:
					fmt.Fprintf(os.Stderr, "schedule %s made: it prunes old releases of %s every %s (signalman gc --dry-run shows what)\n", control.GCScheduleID(p.Product), p.Product, p.Retention.Every)
				}
				id := workflows.ReleaseID(p.Product, in.Version)
				if existing {
					fmt.Printf("%s is already running (workflow %s, run %s)\n", in.Version, id, runID)
				} else {
					fmt.Printf("started %s %s (workflow %s, run %s)\n", p.Product, in.Version, id, runID)
				}
				if !wait {
					fmt.Printf("follow it with: signalman watch %s --product %s\n", in.Version, p.Product)
					return nil
				}
				return c.watch(cmd.Context(), rs, p.Product, in.Version)
			})
		},
	}
	start.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	start.Flags().StringVar(&ref, "ref", "", "commit or branch to tag (default: the main branch)")
	start.Flags().StringVar(&eta, "eta", "", "scheduled ship time, RFC 3339 (default: 5 minutes after the last signoff)")
	start.Flags().StringVar(&opsNote, "ops-note", "", `what operators must do or watch, shown at every gate and kept in the notes ("run the cache warm-up before approving")`)
	start.Flags().BoolVar(&wait, "wait", false, "watch the release until it ends; exit 5 if it fails")
	cmd.AddCommand(start)
	return cmd
}

// productOf returns the product from --product, or from ./signalman.yaml.
func (c *cli) productOf() (string, error) {
	if c.product != "" {
		return c.product, nil
	}
	p, err := config.Load("signalman.yaml")
	if errors.Is(err, os.ErrNotExist) {
		return "", usage("which product? pass --product NAME, set SIGNALMAN_PRODUCT, or run where signalman.yaml is")
	}
	if err != nil {
		return "", exitCode{exitUsage, err}
	}
	return p.Product, nil
}

// exactArgs checks the number of positional arguments and names them in the error.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usage("%s takes %s (got %d argument(s)); see `%s --help`", cmd.Name(), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// versionArg parses the VERSION argument.
func versionArg(s string) (string, error) {
	v, err := version.Parse(s)
	if err != nil {
		return "", usage("%v", err)
	}
	return v.String(), nil
}
