package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// gcCmd prunes a product's old releases, now or on a schedule.
func (c *cli) gcCmd() *cobra.Command {
	var file string
	var dryRun, schedule bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Prune old releases as the pipeline's retention says: registry images, unpacked images, leftover checkouts",
		Example: `  signalman gc --dry-run
  signalman gc -c signalman.yaml
  signalman gc --schedule   # every retention.every (default 24h)`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			in := workflows.GCInput{Pipeline: *p, DryRun: dryRun, By: c.person}
			return c.withReleases(cmd, func(rs control.Releases) error {
				if schedule {
					created, err := rs.ScheduleGC(cmd.Context(), in)
					if err != nil {
						return err
					}
					how := "updated"
					if created {
						how = "created"
					}
					fmt.Printf("schedule %s %s: prunes %s every %s\n", control.GCScheduleID(p.Product), how, p.Product, p.Retention.Every)
					return nil
				}
				res, err := rs.GC(cmd.Context(), in)
				if err != nil {
					return exitCode{exitFailed, err}
				}
				if c.output == "json" {
					if err := printJSON(res); err != nil {
						return err
					}
				} else {
					printGC(res)
				}
				if len(res.Failed) > 0 {
					return exitCode{exitFailed, fmt.Errorf("%d prune(s) failed: %s", len(res.Failed), strings.Join(res.Failed, "; "))}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would go, remove nothing")
	cmd.Flags().BoolVar(&schedule, "schedule", false, "make or update the Temporal Schedule that prunes every retention.every")
	return cmd
}

// printGC says what a garbage collection kept and removed.
func printGC(res workflows.GCResult) {
	verb := "removed"
	if res.DryRun {
		verb = "would remove"
	}
	for _, k := range res.Kept {
		fmt.Printf("keep %s: %s\n", k.Version, k.Why)
	}
	for _, v := range res.Dropped {
		fmt.Printf("drop %s\n", v)
	}
	for _, key := range slices.Sorted(maps.Keys(res.Pruned)) {
		pr := res.Pruned[key]
		for _, r := range pr.Removed {
			fmt.Printf("%s %s: %s\n", key, verb, r)
		}
		for _, n := range pr.Notes {
			fmt.Printf("%s: %s\n", key, n)
		}
	}
	for _, f := range res.Failed {
		fmt.Fprintf(os.Stderr, "failed: %s\n", f)
	}
	fmt.Printf("%s: %s %d release(s), %s freed\n", res.Product, verb, len(res.Dropped), bytesText(res.Bytes))
}

// bytesText says a size the way people read it.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
