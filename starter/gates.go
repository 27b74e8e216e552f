package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// send delivers a gate message to a release and prints the outcome.
func (c *cli) send(cmd *cobra.Command, versionArgument, name string, req workflows.Signed, outcome string) error {
	return c.withRelease(cmd, versionArgument, func(rs control.Releases, product, v string) error {
		if s, ok := req.(workflows.SignoffRequest); ok && c.output != "json" {
			// Whoever signs sees what they sign for.
			if st, err := rs.Status(cmd.Context(), product, v); err == nil {
				if st.OpsNote != "" {
					fmt.Fprintf(os.Stderr, "note for operators: %s\n", st.OpsNote)
				}
				if pv, ok := st.PreviewOf(s.Env); ok {
					fmt.Fprintf(os.Stderr, "signing for what changes on %s:\n%s\n", s.Env, indent(pv.Text()))
				}
			}
		}
		st, err := rs.Send(cmd.Context(), product, v, name, req)
		if err != nil {
			return err
		}
		if c.output == "json" {
			return printJSON(st)
		}
		fmt.Printf("%s %s: %s (release now %s at %s)\n", product, v, outcome, st.State, st.Stage)
		return nil
	})
}

func (c *cli) signoffCmd() *cobra.Command {
	var verdict, reason, role, env string
	cmd := &cobra.Command{
		Use:   "signoff VERSION",
		Short: "QA signoff on stage: green lets the release go on, yellow or red holds it",
		Example: `  signalman signoff v1.101.0 --verdict green --as quinn
  signalman signoff v1.101.0 --verdict red --reason "checkout fails on Safari" --as quinn`,
		Args: exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := workflows.SignoffRequest{Env: env, Person: c.person, Role: role, Verdict: strings.ToLower(verdict), Reason: reason, Via: "cli"}
			return c.send(cmd, args[0], contract.Signoff, req, fmt.Sprintf("%s signoff by %s recorded", req.Verdict, c.person))
		},
	}
	cmd.Flags().StringVar(&verdict, "verdict", "", "green, yellow or red (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required for yellow and red)")
	cmd.Flags().StringVar(&role, "role", "", "the role you sign for, when you hold several")
	cmd.Flags().StringVar(&env, "env", config.Stage, "the environment you sign off")
	return cmd
}

func (c *cli) approveCmd() *cobra.Command {
	var env, role string
	cmd := &cobra.Command{
		Use:     "approve VERSION",
		Short:   "Approve a release for an environment (SRE approval for prod)",
		Example: `  signalman approve v1.101.0 --env prod --as sam`,
		Args:    exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := workflows.SignoffRequest{Env: env, Person: c.person, Role: role, Verdict: workflows.Green, Via: "cli"}
			return c.send(cmd, args[0], contract.Signoff, req, fmt.Sprintf("approval for %s by %s recorded", env, c.person))
		},
	}
	cmd.Flags().StringVar(&env, "env", config.Prod, "environment")
	cmd.Flags().StringVar(&role, "role", "", "the role you approve as, when you hold several")
	return cmd
}

func (c *cli) overrideCmd() *cobra.Command {
	var reason, justification string
	cmd := &cobra.Command{
		Use:     "override-window VERSION",
		Short:   "Approve a production deploy outside the deploy window (recorded)",
		Example: `  signalman override-window v1.101.1 --reason prod-down --justification "checkout is down since 17:02, INC-4411" --as sam`,
		Args:    exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := workflows.OverrideRequest{Person: c.person, Reason: reason, Justification: justification}
			return c.send(cmd, args[0], contract.OverrideWindow, req, "window exception approved by "+c.person)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "one of "+strings.Join(workflows.ExceptionReasons, ", "))
	cmd.Flags().StringVar(&justification, "justification", "", "the written justification (required)")
	return cmd
}

func (c *cli) allowVulnsCmd() *cobra.Command {
	var ids []string
	var justification string
	cmd := &cobra.Command{
		Use:   "allow-vulnerabilities VERSION",
		Short: "Let vulnerabilities that block a release through, for this release only (recorded)",
		Long: `A release whose images have known vulnerabilities at or above
security.vulnerabilities.block waits at the vulnerability gate ("signalman status
VERSION" names each one, where it is and what fixes it). An exception names the
blocking vulnerabilities it lets through and why; it is recorded in the release's
status and notes. The gate checks again before each production environment, and a
vulnerability found then needs an exception of its own.`,
		Example: `  signalman allow-vulnerabilities v1.101.0 --id GO-2026-0001 --justification "not exposed: the handler is internal, fix in v1.102.0" --as sam`,
		Args:    exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(ids) == 0 {
				return usage("allow-vulnerabilities: name each vulnerability to let through with --id")
			}
			req := workflows.VulnExceptionRequest{Person: c.person, IDs: ids, Justification: justification}
			return c.send(cmd, args[0], contract.AllowVulnerabilities, req, "vulnerability exception approved by "+c.person)
		},
	}
	cmd.Flags().StringSliceVar(&ids, "id", nil, "a blocking vulnerability's ID or alias (repeat for each)")
	cmd.Flags().StringVar(&justification, "justification", "", "the written justification (required)")
	return cmd
}

func (c *cli) decideCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "decide VERSION abort|wait",
		Short:   "Decide on a release held by a yellow or red verdict (release manager)",
		Example: `  signalman decide v1.101.0 wait --reason "fix coming as v1.101.1" --as alice`,
		Args:    exactArgs(2, "VERSION and a decision (abort or wait)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := workflows.DecisionRequest{Person: c.person, Decision: args[1], Reason: reason}
			return c.send(cmd, args[0], contract.Decide, req, "decision "+args[1]+" recorded")
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	return cmd
}

func (c *cli) canaryCmd() *cobra.Command {
	var env, service, reason string
	cmd := &cobra.Command{
		Use:   "canary VERSION continue|rollback",
		Short: "Decide on a canary waiting for a person: a marginal score or too little traffic to judge",
		Long: `A canary step whose score is marginal, or that had too little traffic to
judge even after being watched for three more pauses, waits for a person:
"signalman status VERSION" shows it. continue ramps the canary on; rollback
returns the service to its stable version and fails the release. With no
decision within the canary's decision_timeout, it rolls back. Without
--service, the decision goes to the deploy the release is running now.`,
		Example: `  signalman canary v1.101.0 continue --reason "low traffic at night, errors flat" --as sam
  signalman canary v1.101.0 rollback --service api --reason "p99 up 40%" --as sam`,
		Args: exactArgs(2, "VERSION and a decision (continue or rollback)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var cont bool
			switch args[1] {
			case workflows.CanaryContinue:
				cont = true
			case workflows.CanaryRollback:
			default:
				return usage("canary: decision %q: want continue or rollback", args[1])
			}
			return c.withRelease(cmd, args[0], func(rs control.Releases, product, v string) error {
				if service == "" {
					dep, err := rs.Deploying(cmd.Context(), product, v)
					if err != nil {
						return err
					}
					env, service = dep.Env, dep.Service
				}
				req := workflows.CanaryDecisionRequest{Person: c.person, Continue: cont, Reason: reason}
				if err := rs.CanaryDecision(cmd.Context(), product, v, env, service, req); err != nil {
					return err
				}
				fmt.Printf("%s %s: canary of %s on %s: %s by %s recorded\n", product, v, service, env, args[1], c.person)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&env, "env", config.Prod, "environment (with --service)")
	cmd.Flags().StringVar(&service, "service", "", "the service whose canary waits (default: the release's running deploy)")
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	return cmd
}

func (c *cli) abortCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "abort VERSION",
		Short:   "Stop a release; the running stage finishes so nothing is left half-done",
		Example: `  signalman abort v1.101.0 --reason "wrong commit tagged" --as alice`,
		Args:    exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := workflows.AbortRequest{Person: c.person, Reason: reason}
			return c.send(cmd, args[0], contract.Abort, req, "abort requested by "+c.person)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}
