package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hiddeco/sshsig"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// approval is one signed request of a release, for the audit.
type approval struct {
	what, person, via string
	auth              *workflows.Approval
}

// signedApprovals lists a release's signed requests in the order they came.
func signedApprovals(st workflows.Status) []approval {
	var out []approval
	add := func(what, person, via string, a *workflows.Approval) {
		if a != nil && a.Proof != nil {
			out = append(out, approval{what, person, via, a})
		}
	}
	add("release-start", st.TriggeredBy, "", st.StartAuth)
	for _, s := range st.Signoffs {
		add("signoff-"+s.Env+"-"+s.Role, s.Person, s.Via, s.Auth)
	}
	if e := st.Exception; e != nil {
		add("override-window", e.Person, "", e.Auth)
	}
	if d := st.Decision; d != nil {
		add("decide-"+d.Decision, d.Person, "", d.Auth)
	}
	if a := st.Abort; a != nil {
		add("abort", a.Person, "", a.Auth)
	}
	return out
}

func (c *cli) auditCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "audit VERSION",
		Short: "List a release's signed approvals; --export writes them for ssh-keygen -Y verify",
		Long: `Every request a person made to the release (its start, signoffs, a window
exception, a decision, an abort) is a statement signed with their SSH key,
verified by the workflow against the pipeline's keys. audit lists them with
the key that signed each. With --export DIR it writes each statement as a
file S and its signature as S.sig, and one allowed_signers file with the
keys that signed, so anyone can check every approval again without
Signalman:

  ssh-keygen -Y verify -f DIR/allowed_signers -I PERSON -n signalman -s DIR/S.sig < DIR/S`,
		Example: `  signalman audit v1.101.0 --product shop
  signalman audit v1.101.0 --export ./audit-v1.101.0`,
		Args: exactArgs(1, "VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withRelease(cmd, args[0], func(rs control.Releases, product, v string) error {
				st, err := rs.Status(cmd.Context(), product, v)
				if err != nil {
					return err
				}
				list := signedApprovals(st)
				if len(list) == 0 {
					return fmt.Errorf("%s %s has no signed approvals: its pipeline believes the names requests give (auth: claimed)", product, v)
				}
				for _, a := range list {
					via := a.via
					if a.auth.Bridge != "" {
						via = a.auth.Bridge + " bridge"
					}
					if via == "" {
						via = "cli"
					}
					fmt.Printf("%-28s %-10s %-50s via %s\n", a.what, a.person, a.auth.Key, via)
				}
				if dir == "" {
					return nil
				}
				return exportAudit(dir, list)
			})
		},
	}
	cmd.Flags().StringVar(&dir, "export", "", "write each statement, its signature and an allowed_signers file to this directory")
	return cmd
}

// exportAudit writes the statements, their signatures and the signers.
func exportAudit(dir string, list []approval) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("audit --export: %w", err)
	}
	var people []string
	keys := map[string][]string{}
	for i, a := range list {
		name := fmt.Sprintf("%02d-%s-%s", i+1, a.what, a.person)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(a.auth.Proof.Statement), 0o644); err != nil {
			return fmt.Errorf("audit --export: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".sig"), []byte(a.auth.Proof.Signature), 0o644); err != nil {
			return fmt.Errorf("audit --export: %w", err)
		}
		sig, err := sshsig.Unarmor([]byte(a.auth.Proof.Signature))
		if err != nil {
			return fmt.Errorf("audit --export: the signature of %s: %w", name, err)
		}
		// The key that signed, which the workflow checked against the
		// pipeline's keys for this person (or the bridge's) when it
		// accepted the request.
		signer := a.person
		key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sig.PublicKey)))
		if !slices.Contains(people, signer) {
			people = append(people, signer)
		}
		if !slices.Contains(keys[signer], key) {
			keys[signer] = append(keys[signer], key)
		}
		fmt.Printf("wrote %s and %s.sig\n", name, name)
	}
	path := filepath.Join(dir, "allowed_signers")
	if err := os.WriteFile(path, identity.AllowedSigners(people, keys), 0o644); err != nil {
		return fmt.Errorf("audit --export: %w", err)
	}
	fmt.Printf("wrote %s; check one with: ssh-keygen -Y verify -f %s -I PERSON -n signalman -s S.sig < S\n", path, path)
	return nil
}
