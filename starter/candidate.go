package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// weekdays maps day names to Temporal's day-of-week numbers.
var weekdays = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// parseDays reads "mon-fri" or "mon,wed,fri".
func parseDays(s string) ([]int, error) {
	var out []int
	for part := range strings.SplitSeq(strings.ToLower(s), ",") {
		part = strings.TrimSpace(part)
		from, to, isRange := strings.Cut(part, "-")
		a, ok := weekdays[from]
		if !ok {
			return nil, fmt.Errorf("--days %q: %q is not a day (want sun, mon, tue, wed, thu, fri or sat)", s, from)
		}
		b := a
		if isRange {
			if b, ok = weekdays[to]; !ok || b < a {
				return nil, fmt.Errorf("--days %q: %q is not a range of days in week order (sun to sat)", s, part)
			}
		}
		for d := a; d <= b; d++ {
			out = append(out, d)
		}
	}
	return out, nil
}

// parseClock reads "HH:MM".
func parseClock(s string) (h, m int, err error) {
	hs, ms, ok := strings.Cut(s, ":")
	h, herr := strconv.Atoi(hs)
	m, merr := strconv.Atoi(ms)
	if !ok || herr != nil || merr != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(ms) != 2 {
		return 0, 0, fmt.Errorf("--at %q is not a time of day (want HH:MM, e.g. 09:00)", s)
	}
	return h, m, nil
}

func (c *cli) scheduleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "schedule", Short: "The daily release candidate's schedule"}
	var file, at, tz, days string
	var cutoff time.Duration
	candidate := &cobra.Command{
		Use:   "candidate --at HH:MM --tz ZONE",
		Short: "Start a train from main every day at a time, when main has new commits; its manager is a random committer, preferring those in the zone",
		Example: `  signalman schedule candidate -c signalman.yaml --at 09:00 --tz America/New_York
  signalman schedule candidate -c signalman.yaml --at 07:30 --tz Europe/Berlin --days mon-thu --cutoff 2h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			h, m, err := parseClock(at)
			if err != nil {
				return usage("%v", err)
			}
			if _, err := time.LoadLocation(tz); err != nil || tz == "" {
				return usage("--tz %q: want an IANA time zone such as America/New_York", tz)
			}
			d, err := parseDays(days)
			if err != nil {
				return usage("%v", err)
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				created, err := rs.ScheduleCandidate(cmd.Context(), control.CandidateSchedule{Pipeline: *p, Hour: h, Minute: m, TimeZone: tz, Days: d, Cutoff: cutoff, By: c.person})
				if err != nil {
					return err
				}
				verb := "updated"
				if created {
					verb = "created"
				}
				fmt.Printf("schedule %s %s: a candidate of %s at %02d:%02d %s on %s\n", control.ScheduleID(p.Product), verb, p.Product, h, m, tz, days)
				return nil
			})
		},
	}
	candidate.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	candidate.Flags().StringVar(&at, "at", "09:00", "time of day, HH:MM")
	candidate.Flags().StringVar(&tz, "tz", "", "IANA time zone of --at, and where managers are preferred from (required)")
	candidate.Flags().StringVar(&days, "days", "mon-fri", "weekdays, e.g. mon-fri or mon,wed")
	candidate.Flags().DurationVar(&cutoff, "cutoff", 0, "announce the tag and cut it this long after the candidate starts")

	show := &cobra.Command{
		Use:   "show PRODUCT",
		Short: "Show the candidate schedule, its next runs and what recent candidates did",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				info, err := rs.Schedule(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(info)
				}
				fmt.Printf("%s: %s (%s)", info.ID, info.Spec, info.TimeZone)
				if info.Paused {
					fmt.Print(", paused")
				}
				fmt.Println()
				if len(info.Next) > 0 {
					fmt.Printf("next: %s\n", info.Next[0].Local().Format("Mon 2006-01-02 15:04 MST"))
				}
				printCandidates(info.Recent)
				return nil
			})
		},
	}
	trigger := &cobra.Command{
		Use:   "trigger PRODUCT",
		Short: "Run the candidate schedule now",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				if err := rs.TriggerCandidate(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Printf("candidate schedule of %s triggered; see `signalman schedule show %s`\n", args[0], args[0])
				return nil
			})
		},
	}
	remove := &cobra.Command{
		Use:   "delete PRODUCT",
		Short: "Delete the candidate schedule (trains already started go on)",
		Args:  exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				if err := rs.DeleteSchedule(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Printf("candidate schedule of %s deleted\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(candidate, show, trigger, remove)
	return cmd
}

func (c *cli) candidateCmd() *cobra.Command {
	var file string
	var cutoff time.Duration
	cmd := &cobra.Command{
		Use:     "candidate PRODUCT",
		Short:   "Start a release candidate now: the next train, if main has new commits, managed by you",
		Example: `  signalman candidate shop -c signalman.yaml --as maria`,
		Args:    exactArgs(1, "PRODUCT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(file)
			if err != nil {
				return exitCode{exitUsage, err}
			}
			if p.Product != args[0] {
				return usage("%s describes product %q, not %q", file, p.Product, args[0])
			}
			if strings.TrimSpace(c.person) == "" {
				return usage("who manages the candidate? give --as NAME")
			}
			return c.withReleases(cmd, func(rs control.Releases) error {
				res, err := rs.RunCandidate(cmd.Context(), workflows.CandidateInput{Pipeline: *p, TriggeredBy: c.person, Cutoff: cutoff})
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(res)
				}
				if res.Skipped != "" {
					fmt.Printf("no candidate: %s\n", res.Skipped)
					return nil
				}
				fmt.Printf("train %d of %s started from %s (%d new commits), release manager %s\n", res.Train, res.Product, short(res.Head), res.NewCommits, res.Manager)
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "config", "c", "signalman.yaml", "pipeline file")
	cmd.Flags().DurationVar(&cutoff, "cutoff", 0, "announce the tag and cut it this long from now")
	return cmd
}

func printCandidates(runs []control.CandidateRun) {
	if len(runs) == 0 {
		fmt.Println("no candidates yet")
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STARTED\tSTATE\tTRAIN\tMANAGER\tCOMMITS\tNOTE")
	for _, r := range runs {
		train, manager, commits, note := "-", "-", "-", r.Error
		if res := r.Result; res != nil {
			if res.Train > 0 {
				train = strconv.Itoa(res.Train)
			}
			manager, commits = dash(res.Manager), strconv.Itoa(res.NewCommits)
			if res.Skipped != "" {
				note = res.Skipped
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Started.Local().Format("2006-01-02 15:04"), r.State, train, manager, commits, note)
	}
	w.Flush()
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
