package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) statusCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "status VERSION",
		Short:   "Show every stage of a release with its state, times and who signed off",
		Example: `  signalman status v1.101.0 --product shop -o json`,
		Args:    exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withRelease(cmd, args[0], func(rs control.Releases, product, v string) error {
				st, err := rs.Status(cmd.Context(), product, v)
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(st)
				}
				printStatus(os.Stdout, st)
				return nil
			})
		},
	}
}

func (c *cli) listCmd() *cobra.Command {
	var running bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List releases, newest first",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				list, err := rs.List(cmd.Context(), control.Filter{Product: c.product, Running: running, Limit: limit})
				if err != nil {
					return err
				}
				if c.output == "json" {
					return printJSON(list)
				}
				w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "PRODUCT\tVERSION\tSTATE\tSTAGE\tENV\tSTARTED")
				for _, s := range list {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Product, s.Version, s.State, s.Stage, dash(s.Env), s.Started.Local().Format(timeFormat))
				}
				return w.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&running, "running", false, "only releases still running")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many")
	return cmd
}

func (c *cli) watchCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "watch VERSION",
		Short: "Show a release's stage table live until it ends (exit 5 if it fails)",
		Args:  exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withRelease(cmd, args[0], func(rs control.Releases, product, v string) error {
				return c.watch(cmd.Context(), rs, product, v)
			})
		},
	}
}

// watch shows the release as it changes until it ends: the stage table
// redrawn in place on a terminal, one line per change anywhere else.
func (c *cli) watch(ctx context.Context, rs control.Releases, product, version string) error {
	p := newProgress(os.Stdout, isTerminal(os.Stdout), "")
	for {
		st, err := rs.Status(ctx, product, version)
		if err != nil {
			return err
		}
		p.show(st)
		if st.Finished() {
			if st.State != workflows.Succeeded {
				return exitCode{exitFailed, fmt.Errorf("%s %s %s: %s", product, version, st.State, st.Error)}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

const timeFormat = "2006-01-02 15:04:05"

// printStatus writes a release's stage table.
// indent indents every line of text by two spaces.
func indent(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "")
}

func printStatus(out io.Writer, st workflows.Status) {
	fmt.Fprintf(out, "%s %s (train %d): %s", st.Product, st.Version, st.Train, st.State)
	if !st.Finished() {
		fmt.Fprintf(out, ", at %s", st.Stage)
	}
	fmt.Fprintln(out)
	if st.Commit != "" {
		fmt.Fprintf(out, "commit %s, triggered by %s\n", st.Commit, st.TriggeredBy)
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STAGE\tSTATE\tSTARTED\tTOOK\tDETAIL")
	for _, s := range st.Stages {
		started, took := "-", "-"
		if !s.Started.IsZero() {
			started = s.Started.Local().Format(timeFormat)
			if !s.Ended.IsZero() {
				took = s.Ended.Sub(s.Started).Round(time.Millisecond).String()
			}
		}
		detail := s.Detail
		if s.Name == st.Stage && !st.Finished() {
			for _, r := range st.Retrying {
				detail = strings.TrimPrefix(detail+"; "+retryCountdown(r, time.Now()), "; ")
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.State, started, took, detail)
	}
	w.Flush()
	if st.DeployPhase != "" {
		fmt.Fprintf(out, "deploying %s\n", st.DeployPhase)
	}
	if s := st.Stages; !st.Finished() {
		for _, stage := range s {
			if stage.Name == st.Stage && stage.State == workflows.Waiting {
				if pv, ok := st.PreviewOf(stage.Env); ok {
					fmt.Fprintf(out, "what changes on %s:\n%s", stage.Env, indent(pv.Text()))
				}
			}
		}
	}
	for _, s := range st.Signoffs {
		line := fmt.Sprintf("signoff: %s %s by %s on %s at %s", s.Role, s.Verdict, s.Person, s.Env, s.At.Local().Format(timeFormat))
		if s.Reason != "" {
			line += ": " + s.Reason
		}
		fmt.Fprintln(out, line+signedBy(s.Auth, s.Via))
	}
	for _, e := range st.VulnExceptions {
		fmt.Fprintf(out, "vulnerability exception: %s let through by %s at %s: %s%s\n", strings.Join(e.IDs, ", "), e.Person, e.At.Local().Format(timeFormat), e.Justification, signedBy(e.Auth, ""))
	}
	for _, s := range st.Expired {
		fmt.Fprintf(out, "signoff expired: %s by %s on %s at %s was too old when the release shipped, and was asked for again\n", s.Role, s.Person, s.Env, s.At.Local().Format(timeFormat))
	}
	if f := st.Freeze; f != nil {
		if f.LiftedBy != "" {
			fmt.Fprintf(out, "freeze: waited for the freeze by %s (%s), lifted by %s\n", f.By, f.Reason, f.LiftedBy)
		} else {
			fmt.Fprintf(out, "freeze: production FROZEN by %s since %s: %s\n", f.By, f.Since.Local().Format("Mon 2006-01-02 15:04 MST"), f.Reason)
		}
	}
	if e := st.Exception; e != nil {
		fmt.Fprintf(out, "window exception: %s approved by %s: %s%s\n", e.Reason, e.Person, e.Justification, signedBy(e.Auth, ""))
	}
	for _, a := range st.Artifacts {
		fmt.Fprintf(out, "image: %s %s\n", a.Service, a.Ref())
	}
	for _, d := range st.Deploys {
		for _, v := range d.Verdicts {
			fmt.Fprintln(out, verdictLine(d, v))
		}
		if d.Outcome == workflows.RolledBack {
			fmt.Fprintf(out, "rolled back: %s on %s: %s\n", d.Service, d.Env, d.Reason)
		}
	}
	for _, r := range st.Refusals {
		fmt.Fprintf(out, "refused %s from %s: %s\n", r.Message, r.Person, r.Reason)
	}
	if st.Abort != nil {
		fmt.Fprintf(out, "aborted by %s: %s%s\n", st.Abort.Person, st.Abort.Reason, signedBy(st.Abort.Auth, ""))
	}
	if st.Error != "" {
		fmt.Fprintf(out, "error: %s\n", st.Error)
	}
	if st.NotesURL != "" {
		fmt.Fprintf(out, "release notes: %s\n", st.NotesURL)
	}
	if st.Manager != "" && st.Manager != st.TriggeredBy {
		fmt.Fprintf(out, "release manager: %s\n", st.Manager)
	}
	if st.Why != "" && st.Notes == "" {
		fmt.Fprintf(out, "why this dot release: %s\n", st.Why)
	}
	if st.OpsNote != "" && st.Notes == "" {
		// Once the notes are written they carry it.
		fmt.Fprintf(out, "note for operators: %s\n", st.OpsNote)
	}
	if st.Notes != "" {
		fmt.Fprintf(out, "\n%s", st.Notes)
	}
}

// verdictLine says a canary verdict once: "canary: api on prod at 10%:
// pass, score 100: error_rate pass; latency pass". The verdict's detail
// starts with its class and score when the judge wrote it.
func verdictLine(d workflows.DeployResult, v contract.Verdict) string {
	what := v.Detail
	if what == "" {
		what = fmt.Sprintf("%s, score %.0f", v.Class, v.Score)
	}
	line := fmt.Sprintf("canary: %s on %s at %d%%: %s", d.Service, d.Env, v.Weight, what)
	if v.Bake {
		line = fmt.Sprintf("bake: %s on %s against the previous version: %s", d.Service, d.Env, what)
	}
	if v.NoData {
		line += fmt.Sprintf(" (over %s)", v.Window)
	}
	return line
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// signedBy says how a request was signed: the key, and the channel it
// came through; nothing when it was not (auth: claimed).
func signedBy(a *workflows.Approval, via string) string {
	if a == nil {
		return ""
	}
	if a.Bridge != "" {
		return fmt.Sprintf(" (signed by the %s bridge, key %s)", a.Bridge, a.Key)
	}
	if via != "" {
		return fmt.Sprintf(" (signed with %s, via %s)", a.Key, via)
	}
	return fmt.Sprintf(" (signed with %s)", a.Key)
}
