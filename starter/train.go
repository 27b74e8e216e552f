package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) trainCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "train", Short: "Release trains: cut, release, dot releases"}
	var file string
	var number int
	var cutoff time.Duration
	start := &cobra.Command{
		Use:     "start PRODUCT --train N",
		Short:   "Cut train-N from main, tag v1.N.0 and release it; the train then takes dot releases",
		Example: `  signalman train start shop --train 101 -c signalman.yaml`,
		Args:    exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			if p.Product != args[0] {
				return usage("%s describes product %q, not %q", file, p.Product, args[0])
			}
			if number < 1 {
				return usage("give the train number with --train N (1 or more)")
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				in := workflows.TrainInput{Pipeline: *p, Train: number, TriggeredBy: c.person}
				if cutoff > 0 {
					in.Cutoff = time.Now().Add(cutoff)
				}
				run, err := rs.StartTrain(cmd.Context(), in)
				if err != nil {
					return err
				}
				fmt.Printf("train %d of %s running (workflow %s, run %s)\n", number, p.Product, workflows.TrainID(p.Product, number), run)
				return nil
			})
		},
	}
	start.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	start.Flags().IntVar(&number, "train", 0, "train number")
	start.Flags().DurationVar(&cutoff, "cutoff", 0, "list what is open and announce the tag now, cut and tag after this long (e.g. 2h)")
	status := &cobra.Command{
		Use:   "status PRODUCT --train N",
		Short: "Show a train's releases and pending dot requests",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				st, err := rs.TrainStatus(cmd.Context(), args[0], number)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(st)
				}
				fmt.Printf("%s train %d on %s (release manager %s, closed: %v)\n", st.Product, st.Train, st.Branch, st.Manager, st.Closed)
				if !st.Cut && !st.Cutoff.IsZero() {
					fmt.Printf("tagged from main at %s\n", st.Cutoff.Local().Format("Mon 2006-01-02 15:04 MST"))
				}
				for _, pr := range st.Open {
					fmt.Printf("open for the train when announced: #%d %s (%s) %s\n", pr.Number, pr.Title, pr.Author, pr.URL)
				}
				for _, pr := range st.OpenAtCut {
					fmt.Printf("missed the cutoff: #%d %s (%s) %s\n", pr.Number, pr.Title, pr.Author, pr.URL)
				}
				w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "VERSION\tSTATE\tCOMMITS\tWHY\tERROR")
				for _, r := range st.Releases {
					fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\n", dash(r.Version), r.State, r.Commits, dash(r.Why), r.Error)
				}
				w.Flush()
				if !st.Gathering.IsZero() {
					fmt.Printf("gathering: the next dot release is tagged at %s with the pending requests; more may ride along until then\n", st.Gathering.Local().Format("2006-01-02 15:04 MST"))
				}
				for _, p := range st.Pending {
					fmt.Printf("pending: %v from %s (%s)\n", p.Commits, p.By, dash(p.Why()))
				}
				for _, r := range st.Releases {
					if u := r.Uplift; u != nil && u.Open {
						fmt.Printf("uplift open: %s is in production but not public since %s: %s\n", u.Version, u.Since.Local().Format("2006-01-02 15:04 MST"), u.Error)
					}
				}
				return nil
			})
		},
	}
	status.Flags().IntVar(&number, "train", 0, "train number")
	var upVersion string
	uplift := &cobra.Command{
		Use:   "uplift PRODUCT --train N --version V",
		Short: "Make a security release public again once its conflicting merge into the public train was done by hand",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if number < 1 || upVersion == "" {
				return usage("give the train with --train N and the release with --version V")
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				if _, err := rs.TrainMessage(cmd.Context(), args[0], number, contract.RetryUplift, workflows.UpliftRetry{By: c.person, Version: upVersion}); err != nil {
					return err
				}
				fmt.Printf("uplift of %s asked of %s train %d; \"signalman train status %s --train %d\" shows when it is done\n", upVersion, args[0], number, args[0], number)
				return nil
			})
		},
	}
	uplift.Flags().IntVar(&number, "train", 0, "train number")
	uplift.Flags().StringVar(&upVersion, "version", "", "the security release, such as v1.101.2")
	cmd.AddCommand(start, status, uplift)
	return cmd
}

func (c *cli) dotCmd() *cobra.Command {
	var number int
	var picks []string
	var reason, because, opsNote, private string
	var security bool
	cmd := &cobra.Command{
		Use:   "dot PRODUCT --train N --pick SHA [--pick SHA] --reason s1|test-failure|deadline|other --because TEXT [--security]",
		Short: "Dot release: cherry-pick commits already on main onto train-N, tag v1.N.x, release it",
		Long: `A dot release cherry-picks commits already on main onto train-N and
releases them as the train's next version.

With --security, the commits are on the main branch of the private repository
(repository.private_url, or --private URL): they are picked onto its copy of
train-N, tagged, built and shipped there through every gate, posting only to
notifications.slack.security_channel, with no release notes or GitHub release.
Once the release is in production, the branch and tag are uplifted to the public
repository and the notes go out; if that merge conflicts, the release is done
and an uplift task stays open in "signalman train status", posted daily, until
someone merges it by hand and runs "signalman train uplift".`,
		Example: `  signalman dot shop --train 101 --pick 3f2c1e9 --pick 8a1b2c3 --reason s1 --because "checkout rounds totals down"
  signalman dot shop --train 101 --pick 5d1e2f3 --security --reason s1 --because "session fixation, SEC-88"`,
		Args: exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if number < 1 || len(picks) == 0 {
				return usage("give the train with --train N and at least one --pick SHA")
			}
			reasons := strings.Join(workflows.DotReasonNames(), ", ")
			switch {
			case reason == "":
				return usage("a dot release needs a reason: --reason %s, and --because in words", reasons)
			case workflows.DotReasons[reason] == "":
				return usage("--reason %q is not a reason for a dot release (want %s)", reason, reasons)
			case strings.ContainsAny(opsNote, "\r\n"):
				return usage("--ops-note must be one line; link to a runbook for longer steps")
			case strings.TrimSpace(because) == "":
				return usage("say why in words with --because \"...\" (--reason %s is %s)", reason, workflows.DotReasons[reason])
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				if private != "" && !security {
					return usage("--private names the private repository of a security release: add --security")
				}
				st, err := rs.TrainMessage(cmd.Context(), args[0], number, contract.Dot, workflows.DotRequest{Commits: picks, By: c.person, Reason: strings.TrimSpace(because), Category: reason, OpsNote: strings.TrimSpace(opsNote),
					Security: security, Private: private})
				if err != nil {
					return err
				}
				fmt.Printf("dot release of %v queued on %s train %d (%d pending)\n", picks, args[0], number, len(st.Pending))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&number, "train", 0, "train number")
	cmd.Flags().StringArrayVar(&picks, "pick", nil, "commit on main to cherry-pick (repeat, in order)")
	cmd.Flags().StringVar(&reason, "reason", "", "why a dot release: s1 (an S1 bug in production), test-failure (a real test failure), deadline, or other")
	cmd.Flags().StringVar(&opsNote, "ops-note", "", "what operators must do or watch for this dot release, shown at its gates and kept in its notes")
	cmd.Flags().StringVar(&because, "because", "", "why, in words: shown in the train's plan, the release's status and its notes")
	cmd.Flags().BoolVar(&security, "security", false, "a security release: the commits are in the private repository, and nothing is public before production")
	cmd.Flags().StringVar(&private, "private", "", "the private repository of a security release (default: the pipeline's repository.private_url)")
	return cmd
}
