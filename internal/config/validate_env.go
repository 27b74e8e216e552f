package config

import (
	"errors"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/signalman/signalman/internal/window"
)

func (p *Pipeline) validateEnvironments(ps *problems) {
	var missing []string
	for _, name := range []string{Stage, Prod} {
		if _, ok := p.Environments[name]; !ok {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case 1:
		ps.add("environments", "%s is missing; define both %s and %s", missing[0], Stage, Prod)
	case 2:
		ps.add("environments", "%s and %s are missing; define both", Stage, Prod)
	}
	for _, name := range slices.Sorted(maps.Keys(p.Environments)) {
		path := child("environments", name)
		if name != Stage && name != Prod {
			ps.add(path, "%q is not an environment Signalman knows (allowed: %s, %s)", name, Stage, Prod)
			continue
		}
		env := p.Environments[name]
		env.validate(path, p.Approvers, ps)
	}
}

func (e *Environment) validate(path string, approvers map[string][]string, ps *problems) {
	if e.Target != TargetProcess && e.Target != TargetDocker {
		ps.add(path+".target", "%q is not a target (want %s or %s)", e.Target, TargetProcess, TargetDocker)
	}
	e.validateKeys(path, ps)
	if e.Window != nil {
		if _, err := window.New(*e.Window); err != nil {
			field, msg := path+".window", err.Error()
			if fe := (*window.FieldError)(nil); errors.As(err, &fe) {
				msg = strconv.Quote(fe.Value) + " " + fe.Problem
				if fe.Field != "" {
					field += "." + fe.Field
				}
			}
			ps.add(field, "%s", msg)
		}
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
	}
	if e.Canary != nil {
		e.Canary.validate(path+".canary", ps)
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
