package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) runningCmd() *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "running",
		Short: "What runs where: each service's version, digest, since when, from which release, approved by whom",
		Example: `  signalman running --product shop
  signalman running --env prod -o json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			product, err := c.productOf()
			if err != nil {
				return err
			}
			envs := envsOf(product)
			if env != "" {
				envs = []string{env}
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				var all []contract.EnvState
				for _, e := range envs {
					st, err := rs.Running(cmd.Context(), product, e)
					if err != nil {
						return err
					}
					all = append(all, st)
				}
				if c.output == "json" {
					return printJSON(all)
				}
				printRunning(all)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "one environment (default: those of signalman.yaml here, or stage and prod)")
	return cmd
}

// printRunning prints one line a service and environment, and who holds
// or waits for each environment.
func printRunning(all []contract.EnvState) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ENV\tSERVICE\tVERSION\tDIGEST\tSINCE\tRELEASE\tAPPROVED BY")
	for _, st := range all {
		if len(st.Running) == 0 {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\tnothing recorded yet\n", st.Env)
		}
		for _, name := range slices.Sorted(maps.Keys(st.Running)) {
			r := st.Running[name]
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", st.Env, name, r.Version, shortDigest(r.Artifact.Digest),
				r.Since.UTC().Format(time.DateTime), r.Release, orDash(strings.Join(r.ApprovedBy, ", ")))
		}
	}
	_ = w.Flush()
	for _, st := range all {
		for _, line := range st.Temporaries() {
			fmt.Printf("%s: %s; the next release's deploy replaces it\n", st.Env, line)
		}
	}
	for _, st := range all {
		if st.Holder != nil {
			fmt.Printf("%s is held by %s (%s)", st.Env, st.Holder.ID, st.Holder.Version)
			for i, q := range st.Queue {
				if i == 0 {
					fmt.Print("; waiting: ")
				} else {
					fmt.Print(", ")
				}
				fmt.Print(q.ID)
			}
			fmt.Println()
		}
	}
}

// shortDigest is a digest's algorithm and first twelve hex digits.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// envsOf lists product's environments: those of the signalman.yaml in
// this directory when it describes product, else stage and prod.
func envsOf(product string) []string {
	if p, err := config.Load("signalman.yaml"); err == nil && p.Product == product {
		return p.EnvNames()
	}
	return []string{config.Stage, config.Prod}
}
