package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/window"
)

// Actions a person takes that permissions name (Pipeline.Permissions).
// Signoffs are not among them: their gates list the roles that sign.
const (
	ActAbort          = "abort"
	ActDecide         = "decide"
	ActOverrideWindow = "override-window"
	ActRollback       = "rollback"
	ActFreeze         = "freeze"
	ActUnfreeze       = "unfreeze"
	// ActAllowVulnerabilities lets vulnerabilities that block a release
	// through.
	ActAllowVulnerabilities = "allow-vulnerabilities"
)

// Who, besides an approver role or a person's name, a permission may name.
const (
	// WhoTrigger is the person who started the release.
	WhoTrigger = "trigger"
	// WhoManagers are release.managers and the release's own manager.
	WhoManagers = "managers"
	// WhoOncall is whoever is on call now (Pipeline.Oncall).
	WhoOncall = "oncall"
)

// actions lists every action with a permission, for validation.
var actions = []string{ActAbort, ActDecide, ActOverrideWindow, ActRollback, ActFreeze, ActUnfreeze, ActAllowVulnerabilities}

// defaultPermissions match the rules before permissions could be written:
// the exception role approves window exceptions, the release manager
// decides on a held release.
// A role the file does not list is left out.
func (p *Pipeline) defaultPermissions() map[string][]string {
	perms := map[string][]string{
		ActAbort:          {WhoTrigger, WhoManagers, "sre"},
		ActDecide:         {WhoTrigger, WhoManagers},
		ActOverrideWindow: {p.Release.ExceptionRole},
		// The same people as a window exception.
		ActAllowVulnerabilities: {p.Release.ExceptionRole},
		ActRollback:             {"sre", WhoOncall},
		ActFreeze:               {"sre", WhoManagers},
		ActUnfreeze:             {"sre", WhoManagers},
	}
	for action, who := range perms {
		perms[action] = slices.DeleteFunc(who, func(e string) bool {
			_, role := p.Approvers[e]
			return e != WhoTrigger && e != WhoManagers && e != WhoOncall && !role
		})
	}
	// A file with neither an sre role nor an on-call names nobody who may
	// roll back; an incident must not find production locked. Rollback
	// then keeps the rule from before permissions: anyone may.
	if p.Oncall == nil && !slices.ContainsFunc(perms[ActRollback], func(e string) bool { return e != WhoOncall }) {
		delete(perms, ActRollback)
	}
	return perms
}

// Who are the facts a permission is checked against, beyond the file.
type Who struct {
	// Trigger started the release; Manager manages it.
	Trigger, Manager string
	// Oncall is who is on call now.
	Oncall []string
}

// May reports whether person may take action, and if not, an error that
// says who may. A pipeline without permissions (recorded before they
// existed) allows what the caller allowed before: ok is false and err nil.
func (p Pipeline) May(action, person string, w Who) (ok bool, err error) {
	allowed, set := p.Permissions[action]
	if !set {
		return false, nil
	}
	for _, entry := range allowed {
		if slices.Contains(p.members(entry, w), person) {
			return true, nil
		}
	}
	return false, fmt.Errorf("%s may not %s %s: permissions.%s allows %s", person, action, p.Product, action, p.describe(allowed, w))
}

// members are the people an entry of a permission names.
func (p Pipeline) members(entry string, w Who) []string {
	switch entry {
	case WhoTrigger:
		return nonEmptyNames(w.Trigger)
	case WhoManagers:
		return append(nonEmptyNames(w.Manager), p.Release.Managers...)
	case WhoOncall:
		return w.Oncall
	}
	if people, ok := p.Approvers[entry]; ok {
		return people
	}
	return []string{entry}
}

func (p Pipeline) describe(allowed []string, w Who) string {
	var parts []string
	for _, entry := range allowed {
		names := p.members(entry, w)
		switch {
		case len(names) == 1 && names[0] == entry:
			parts = append(parts, entry)
		case len(names) == 0:
			parts = append(parts, entry+" (nobody now)")
		default:
			parts = append(parts, fmt.Sprintf("%s (%s)", entry, strings.Join(names, ", ")))
		}
	}
	return strings.Join(parts, ", ")
}

func nonEmptyNames(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

func (p *Pipeline) setPermissionDefaults() {
	if p.Permissions == nil {
		p.Permissions = map[string][]string{}
	}
	for action, who := range p.defaultPermissions() {
		if _, ok := p.Permissions[action]; !ok {
			p.Permissions[action] = who
		}
	}
}

func (p *Pipeline) validatePermissions(ps *problems) {
	for _, action := range slices.Sorted(maps.Keys(p.Permissions)) {
		path := child("permissions", action)
		if !slices.Contains(actions, action) {
			ps.add(path, "%q is not an action with a permission (want one of %s)", action, strings.Join(actions, ", "))
			continue
		}
		for i, entry := range p.Permissions[action] {
			_, role := p.Approvers[entry]
			if entry == WhoTrigger || entry == WhoManagers || entry == WhoOncall || role || slices.Contains(p.knownPeople(), entry) {
				continue
			}
			ps.add(item(path, i), "%q is not an approver role, a person the file names, %s, %s or %s", entry, WhoTrigger, WhoManagers, WhoOncall)
		}
	}
}

// knownPeople are everyone the file names: approvers, managers, people
// with keys, the on-call.
func (p Pipeline) knownPeople() []string {
	var out []string
	for _, people := range p.Approvers {
		out = append(out, people...)
	}
	out = append(out, p.Release.Managers...)
	out = append(out, slices.Collect(maps.Keys(p.People))...)
	if p.Oncall != nil {
		out = append(out, p.Oncall.People...)
	}
	return out
}

func (p *Pipeline) validateOncall(ps *problems) {
	o := p.Oncall
	if o == nil {
		return
	}
	if len(o.People) == 0 {
		ps.add("oncall.people", "empty; list who is on call, in the order of the rotation")
	}
	for i, who := range o.People {
		if !validName(who) {
			ps.add(item("oncall.people", i), "%s", badName(who))
		}
	}
	if err := o.Check(); err != nil {
		field, msg := "oncall", err.Error()
		if fe := (*window.FieldError)(nil); errors.As(err, &fe) {
			msg = strconv.Quote(fe.Value) + " " + fe.Problem
			if fe.Field != "" {
				field += "." + fe.Field
			}
		}
		ps.add(field, "%s", msg)
	}
}

// OncallNow is who is on call at t.
func (p Pipeline) OncallNow(t time.Time) []string {
	if p.Oncall == nil {
		return nil
	}
	return p.Oncall.OnCall(t)
}
