// Package identity makes every human request a statement signed with the
// person's SSH key (SSHSIG, namespace "signalman", exactly what
// `ssh-keygen -Y sign -n signalman` makes) and checks such statements
// against the keys a pipeline file lists. Verification is deterministic
// (no clock, no randomness, no I/O), so a workflow runs it in its update
// validators and signal handlers.
package identity

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Namespace is the SSHSIG namespace of every Signalman statement, so a
// signature made for git or anything else is never accepted here.
const Namespace = "signalman"

// header is the first line of every statement: what it is and its format.
const header = "signalman request v1"

// maxStatement bounds a statement's size: it is a handful of short lines.
const maxStatement = 8 << 10

// Statement is what a person signs: one action on one workflow, with its
// terms (gate, role, verdict, reason...), valid for a short time and once.
type Statement struct {
	// Action is the message or start it authorises: signoff, abort, ...
	Action string
	// Product is the product acted on.
	Product string
	// Workflow and Run name the workflow the action is for; Run is empty
	// for an action that starts a workflow.
	Workflow string
	Run      string
	// Person is who the statement speaks for.
	Person string
	// Terms are the action's own fields, in the order the action gives.
	Terms []Term
	// Issued and Expires bound when the statement may be used.
	Issued, Expires time.Time
	// Nonce makes the statement usable once.
	Nonce string
}

// Term is one field of an action: env, role, verdict, reason.
type Term struct {
	Key, Value string
}

// Format writes the statement in its canonical form: the bytes that are
// signed, and what `ssh-keygen -Y verify` reads.
func (s Statement) Format() []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	line("action", s.Action)
	line("product", s.Product)
	line("workflow", s.Workflow)
	if s.Run != "" {
		line("run", s.Run)
	}
	line("person", s.Person)
	for _, t := range s.Terms {
		line("term."+t.Key, t.Value)
	}
	line("issued-at", s.Issued.UTC().Format(time.RFC3339))
	line("expires-at", s.Expires.UTC().Format(time.RFC3339))
	line("nonce", s.Nonce)
	return b.Bytes()
}

// Check refuses a statement that could not be written back identically:
// a value with a line break, a term without a key, a missing field.
func (s Statement) Check() error {
	for _, f := range []struct{ name, v string }{
		{"action", s.Action}, {"product", s.Product}, {"workflow", s.Workflow}, {"person", s.Person}, {"nonce", s.Nonce},
	} {
		if f.v == "" {
			return fmt.Errorf("statement has no %s", f.name)
		}
	}
	all := []string{s.Action, s.Product, s.Workflow, s.Run, s.Person, s.Nonce}
	for _, t := range s.Terms {
		if !validKey(t.Key) {
			return fmt.Errorf("statement term %q: a key is lowercase letters, digits and dashes", t.Key)
		}
		all = append(all, t.Value)
	}
	for _, v := range all {
		if err := oneLine(v); err != nil {
			return err
		}
	}
	if s.Issued.IsZero() || s.Expires.IsZero() {
		return fmt.Errorf("statement has no issued-at or expires-at")
	}
	if !s.Expires.After(s.Issued) {
		return fmt.Errorf("statement expires (%s) before it is issued (%s)", s.Expires.UTC().Format(time.RFC3339), s.Issued.UTC().Format(time.RFC3339))
	}
	return nil
}

// oneLine refuses control characters (a reason is one line of text) and
// leading or trailing spaces, which the canonical form cannot keep.
func oneLine(v string) error {
	if strings.TrimSpace(v) != v {
		return fmt.Errorf("statement value %q has leading or trailing spaces", v)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("statement value %q has a control character: a value is one line", v)
		}
	}
	return nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Parse reads a statement in its canonical form. It accepts exactly what
// Format writes: the same bytes come back from Format, so what was signed
// is what is checked.
func Parse(b []byte) (Statement, error) {
	var s Statement
	if len(b) > maxStatement {
		return s, fmt.Errorf("statement is %d bytes, more than %d", len(b), maxStatement)
	}
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		return s, fmt.Errorf("statement does not end with a line break")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != header {
		return s, fmt.Errorf("statement line 1: want %q, got %q", header, lines[0])
	}
	// The fields in their fixed order; run and terms may be absent.
	order := []string{"action", "product", "workflow", "run", "person", "term.", "issued-at", "expires-at", "nonce"}
	at := 0
	seen := map[string]bool{}
	for i, l := range lines[1:] {
		n := i + 2
		k, v, ok := strings.Cut(l, ": ")
		if !ok {
			return s, fmt.Errorf("statement line %d: %q is not \"key: value\"", n, l)
		}
		field := k
		if strings.HasPrefix(k, "term.") {
			field = "term."
		}
		pos := -1
		for j := at; j < len(order); j++ {
			if order[j] == field {
				pos = j
				break
			}
		}
		if pos < 0 || (seen[k] && field != "term.") {
			return s, fmt.Errorf("statement line %d: field %q is unknown, repeated or out of order", n, k)
		}
		seen[k] = true
		at = pos
		if field != "term." {
			at = pos + 1
		}
		switch field {
		case "action":
			s.Action = v
		case "product":
			s.Product = v
		case "workflow":
			s.Workflow = v
		case "run":
			s.Run = v
		case "person":
			s.Person = v
		case "term.":
			s.Terms = append(s.Terms, Term{Key: strings.TrimPrefix(k, "term."), Value: v})
		case "issued-at", "expires-at":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil || t.UTC().Format(time.RFC3339) != v {
				return s, fmt.Errorf("statement line %d: %s %q is not a UTC time like 2026-12-05T16:00:00Z", n, k, v)
			}
			if field == "issued-at" {
				s.Issued = t
			} else {
				s.Expires = t
			}
		case "nonce":
			s.Nonce = v
		}
	}
	if !seen["nonce"] {
		return s, fmt.Errorf("statement is incomplete: it ends before its nonce")
	}
	if err := s.Check(); err != nil {
		return s, err
	}
	if !bytes.Equal(s.Format(), b) {
		return s, fmt.Errorf("statement is not in canonical form")
	}
	return s, nil
}

// Term returns the value of a term, or "".
func (s Statement) Term(key string) string {
	for _, t := range s.Terms {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}
