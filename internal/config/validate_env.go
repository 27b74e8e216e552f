package config

import (
	"errors"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signalman/signalman/internal/window"
)

func (p *Pipeline) validateEnvironments(ps *problems) {
	if len(p.Environments) == 0 {
		ps.add("environments", "none defined; define at least one, such as stage and prod")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(p.Environments)) {
		path := child("environments", name)
		if !validName(name) {
			ps.add(path, "%s", badName(name))
			continue
		}
		env := p.Environments[name]
		env.validate(path, p.Approvers, ps)
		env.validateWindow(path, p.WindowOf(name), ps)
	}
	p.validateOrder(ps)
}

func (e *Environment) validate(path string, approvers map[string][]string, ps *problems) {
	if e.Target != TargetProcess && e.Target != TargetDocker && e.Target != TargetScript {
		ps.add(path+".target", "%q is not a target (want %s, %s or %s)", e.Target, TargetProcess, TargetDocker, TargetScript)
	}
	e.validateScript(path, ps)
	e.validateKeys(path, ps)
	switch e.SignoffsAt {
	case "", SignoffsBefore, SignoffsAfter:
	default:
		ps.add(path+".signoffs_at", "%q is not when signoffs are asked for (want %s, before the release deploys here, or %s, once it runs here)", e.SignoffsAt, SignoffsBefore, SignoffsAfter)
	}
	switch e.OnFailure {
	case RollbackRelease, StopRelease, ContinueRelease:
	default:
		ps.add(path+".on_failure", "%q is not what a failed deploy may do (want %s, %s or %s)", e.OnFailure, RollbackRelease, StopRelease, ContinueRelease)
	}
	switch e.Order {
	case OrderConfigured, OrderAlphabetical:
	default:
		ps.add(path+".order", "%q is not a deploy order (want %s or %s)", e.Order, OrderConfigured, OrderAlphabetical)
	}
	switch {
	case e.Bake < 0:
		ps.add(path+".bake", "%s is negative (want 0 to turn the bake off, or a duration such as 10m)", e.Bake)
	case e.Bake > 0 && e.Canary == nil:
		ps.add(path+".bake", "%s, but the environment has no canary: the bake judges with the canary's metrics; add a canary or set bake: 0", e.Bake)
	}
	first := make(map[string]int)
	for i, s := range e.Signoffs {
		sp := item(path+".signoffs", i)
		people, known := approvers[s.Role]
		switch {
		case s.Role == "":
			ps.add(sp+".role", "missing; name the role that signs%s", roleChoice(approvers))
		case !known:
			ps.add(sp+".role", "%q is not a role under approvers; list the people who may sign under approvers.%s%s", s.Role, s.Role, roleChoice(approvers))
		default:
			if j, ok := first[s.Role]; ok {
				ps.add(sp+".role", "%q is already required by signoffs[%d]; keep one entry and raise its count", s.Role, j)
			} else {
				first[s.Role] = i
			}
		}
		switch {
		case s.Count < 1:
			ps.add(sp+".count", "%d is less than 1 (want at least one person)", s.Count)
		case known && s.Count > len(people):
			ps.add(sp+".count", "%d is more than the %s listed under approvers.%s; list more people or lower the count", s.Count, persons(len(people)), s.Role)
		}
		if s.ValidFor < time.Hour {
			ps.add(sp+".valid_for", "%s is less than an hour; a signoff must count at least until the release can ship (default 96h)", s.ValidFor)
		}
	}
	if e.Canary != nil {
		e.Canary.validate(path+".canary", ps)
	}
}

// validateWindow checks w, the environment's effective window.
func (e *Environment) validateWindow(path string, w *window.Spec, ps *problems) {
	if w == nil {
		return
	}
	if w.Days != nil && len(w.Days) == 0 {
		ps.add(path+".window.days", "empty, so the window never opens; list the deploy days, such as [mon, tue, wed, thu], leave days out for Monday to Thursday, or write window: always")
		return
	}
	cal, err := window.New(*w)
	if err != nil {
		field, msg := path+".window", err.Error()
		if fe := (*window.FieldError)(nil); errors.As(err, &fe) {
			msg = strconv.Quote(fe.Value) + " " + fe.Problem
			if fe.Field != "" {
				field += "." + fe.Field
			}
		}
		ps.add(field, "%s", msg)
		return
	}
	if need := e.DeployTime(); e.Canary != nil && need > cal.Length() {
		ps.add(path+".canary.steps", "the canary's pauses and the %s margin take %s, longer than the %s the window is open a day, so no deploy could start; shorten the pauses or widen the window", DeployMargin, need, cal.Length())
	}
}

func (c *Canary) validate(path string, ps *problems) {
	if len(c.Steps) == 0 {
		ps.add(path+".steps", "none listed; add at least one step, such as - {weight: 10, pause: 5m}")
	}
	prev := 0
	for i, s := range c.Steps {
		sp := item(path+".steps", i)
		switch {
		case s.Weight < 1 || s.Weight > 100:
			ps.add(sp+".weight", "%d is out of range (want 1 to 100, the percent of traffic)", s.Weight)
		case s.Weight <= prev:
			ps.add(sp+".weight", "%d is not above the previous step's %d; weights must increase from step to step", s.Weight, prev)
		default:
			prev = s.Weight
		}
		if s.Pause <= 0 {
			ps.add(sp+".pause", "%s is not positive (want a duration such as 5m)", s.Pause)
		}
	}
	if !(c.Confidence > 0 && c.Confidence < 1) {
		ps.add(path+".confidence", "%v is out of range (want more than 0 and less than 1, such as 0.98)", c.Confidence)
	}
	marginalOK := c.Marginal >= 0 && c.Marginal <= 100
	passOK := c.Pass >= 0 && c.Pass <= 100
	if !marginalOK {
		ps.add(path+".marginal", "%v is out of range (want 0 to 100)", c.Marginal)
	}
	if !passOK {
		ps.add(path+".pass", "%v is out of range (want 0 to 100)", c.Pass)
	}
	if marginalOK && passOK && c.Marginal > c.Pass {
		ps.add(path+".marginal", "%v is above pass (%v); a marginal score must not be above a passing one", c.Marginal, c.Pass)
	}
	if c.DecisionTimeout <= 0 {
		ps.add(path+".decision_timeout", "%s is not positive (want a duration such as 30m)", c.DecisionTimeout)
	}
	if len(c.Metrics) == 0 {
		ps.add(path+".metrics", "none listed; list error_rate, latency or both, or leave metrics out to judge both")
	}
	first := make(map[string]int)
	for i, m := range c.Metrics {
		mp := item(path+".metrics", i)
		switch m.Name {
		case MetricErrorRate, MetricLatency:
			if j, ok := first[m.Name]; ok {
				ps.add(mp+".name", "%q is already judged by metrics[%d]; remove one", m.Name, j)
			} else {
				first[m.Name] = i
			}
		default:
			ps.add(mp+".name", "%q is not a metric (want %s or %s)", m.Name, MetricErrorRate, MetricLatency)
		}
		switch m.Direction {
		case DirectionIncrease, DirectionDecrease, DirectionEither:
		default:
			ps.add(mp+".direction", "%q is not a direction (want %s, %s or %s)", m.Direction, DirectionIncrease, DirectionDecrease, DirectionEither)
		}
		if !(m.Weight > 0) || math.IsInf(m.Weight, 0) {
			ps.add(mp+".weight", "%v is not positive (want a finite number above 0, such as 1)", m.Weight)
		}
		if !(m.AbsTolerance >= 0) || math.IsInf(m.AbsTolerance, 0) {
			ps.add(mp+".abs_tolerance", "%v is out of range (want a finite number, 0 or more, such as 0.005)", m.AbsTolerance)
		}
		if !(m.Tolerance >= 0) || math.IsInf(m.Tolerance, 0) {
			ps.add(mp+".tolerance", "%v is out of range (want a finite number, 0 or more, such as 0.1)", m.Tolerance)
		}
	}
	if c.Prometheus != "" {
		u, err := url.Parse(c.Prometheus)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps.add(path+".prometheus", "%q is not an http(s) URL (want one such as http://prometheus:9090)", c.Prometheus)
		}
	}
}

func (p *Pipeline) validateApprovers(ps *problems) {
	for _, role := range slices.Sorted(maps.Keys(p.Approvers)) {
		path := child("approvers", role)
		if strings.TrimSpace(role) == "" {
			ps.add(path, "empty role name; name the role, such as qa")
			continue
		}
		first := make(map[string]int)
		for i, name := range p.Approvers[role] {
			if strings.TrimSpace(name) == "" {
				ps.add(item(path, i), "empty name; write the person's name or remove the line")
				continue
			}
			if j, ok := first[name]; ok {
				ps.add(item(path, i), "%q is listed twice (first as %s); remove one", name, item(path, j))
				continue
			}
			first[name] = i
		}
	}
}

// roleChoice names the roles there are, to end a message about a role
// that is not one of them.
func roleChoice(approvers map[string][]string) string {
	if len(approvers) == 0 {
		return ""
	}
	return " (roles under approvers: " + strings.Join(slices.Sorted(maps.Keys(approvers)), ", ") + ")"
}

// persons says how many people n is.
func persons(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}
