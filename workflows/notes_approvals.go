package workflows

import (
	"fmt"
	"strings"
	"time"
)

// approvalsNotes are the release notes' sections of the release's note
// for operators, and of who approved the release: each signoff's person, role, environment and time, how it was
// given (the key that signed it, the Slack bridge), and a window
// exception; empty when nobody approved anything.
func approvalsNotes(st Status) string {
	var b strings.Builder
	if st.Why != "" {
		b.WriteString("\n## Why this dot release\n\n" + st.Why + "\n")
	}
	if st.OpsNote != "" {
		b.WriteString("\n## Note for operators\n\n" + st.OpsNote + "\n")
	}
	b.WriteString(st.vulnNotes())
	if len(st.Signoffs) == 0 && st.Exception == nil {
		return b.String()
	}
	at := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	how := func(a *Approval, via string) string {
		var parts []string
		if via != "" {
			parts = append(parts, "via "+via)
		}
		if a != nil && a.Key != "" {
			parts = append(parts, "signed with "+a.Key)
		}
		if len(parts) == 0 {
			return ""
		}
		return "; " + strings.Join(parts, ", ")
	}
	b.WriteString("\n## Approved by\n\n")
	for _, s := range st.Signoffs {
		fmt.Fprintf(&b, "- %s, %s on %s, %s", s.Person, s.Role, s.Env, at(s.At))
		if s.Verdict != "" && s.Verdict != Green {
			fmt.Fprintf(&b, " (%s: %s)", s.Verdict, s.Reason)
		}
		b.WriteString(how(s.Auth, s.Via) + "\n")
	}
	if e := st.Exception; e != nil {
		fmt.Fprintf(&b, "- %s, window exception (%s: %s), %s%s\n", e.Person, e.Reason, e.Justification, at(e.At), how(e.Auth, ""))
	}
	return b.String()
}
