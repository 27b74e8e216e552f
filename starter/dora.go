package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/dora"
	"github.com/signalman/signalman/workflows/control"
)

const doraHelp = `Compute a product's four DORA metrics from its release history in Temporal.

Over the window [now - since, now], a release counts when it reached
production in the window: its canary stage started then. Releases that never
reached production (aborted or failed before canary) do not count.

  deploy frequency     successful releases that count, and per day.
  lead time            median (and p90) over every commit of every successful
                       release that counts, of promote-stage end minus the
                       commit's author time. Releases made before commit
                       times were recorded give no sample.
  change failure rate  failed changes / releases that count. A failed change
                       is a release that failed or was aborted after reaching
                       production (rolled back automatically), or a successful
                       one later rolled back in prod by 'signalman rollback'.
  time to restore      median per failed change: release end minus canary
                       start when rolled back automatically; rollback end
                       minus promote-stage end when rolled back by hand (an
                       upper bound: how long the faulty version was live).

A metric with no samples shows "no data" (null in JSON), never 0.
The window is --since: days (30d), hours (12h) or a Go duration (90m).`

func (c *cli) doraCmd() *cobra.Command {
	var since string
	cmd := &cobra.Command{
		Use:   "dora [PRODUCT]",
		Short: "Show deploy frequency, lead time, change failure rate and time to restore from release history",
		Long:  doraHelp,
		Example: `  signalman dora shop --since 30d
  signalman dora shop --since 7d -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usage("dora takes at most one PRODUCT (got %d arguments); see `%s --help`", len(args), cmd.CommandPath())
			}
			window, err := dora.ParseWindow(since)
			if err != nil {
				return usage("--since: %v", err)
			}
			product := ""
			if len(args) == 1 {
				product = args[0]
			} else if product, err = c.productOf(); err != nil {
				return err
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				rep, err := rs.DORA(cmd.Context(), product, window)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(rep)
				}
				return printDORA(os.Stdout, rep)
			})
		},
	}
	cmd.Flags().StringVar(&since, "since", "30d", "window: days (30d), hours (12h) or a Go duration (90m)")
	return cmd
}

// printDORA writes the report as a table, then the failed changes.
func printDORA(out io.Writer, r dora.Report) error {
	fmt.Fprintf(out, "%s: %s to %s (%s)\n\n", r.Product, r.From.Local().Format(timeFormat), r.To.Local().Format(timeFormat), dora.Duration(r.To.Sub(r.From)))
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "METRIC\tVALUE\tOVER")
	fmt.Fprintf(w, "deploy frequency\t%.2f/day\t%d successful release(s)\n", r.DeploysPerDay, r.Deploys)
	if q := r.LeadTime; q != nil {
		fmt.Fprintf(w, "lead time\t%s\tmedian of %d commit(s); p90 %s\n", q.Median, q.Samples, q.P90)
	} else {
		fmt.Fprintln(w, "lead time\tno data\tno successful release with commit times")
	}
	if r.ChangeFailureRate != nil {
		fmt.Fprintf(w, "change failure rate\t%.0f%%\t%d failed of %d release(s) in production\n", *r.ChangeFailureRate*100, len(r.Failures), r.Releases)
	} else {
		fmt.Fprintln(w, "change failure rate\tno data\tno release reached production")
	}
	if q := r.TimeToRestore; q != nil {
		fmt.Fprintf(w, "time to restore\t%s\tmedian of %d failure(s)\n", q.Median, q.Samples)
	} else {
		fmt.Fprintln(w, "time to restore\tno data\tno failed change")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(r.Failures) > 0 {
		fmt.Fprintln(out, "\nfailed changes:")
		for _, f := range r.Failures {
			fmt.Fprintf(out, "  %s  %s rollback, restored in %s\n", f.Version, f.Restore, f.TimeToRestore)
		}
	}
	fmt.Fprintln(out, "\n`signalman dora --help` has the definitions.")
	return nil
}
