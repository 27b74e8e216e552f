package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// When an environment's signoffs are asked for (Environment.SignoffsAt).
const (
	// SignoffsBefore asks before the release deploys there: an approval.
	SignoffsBefore = "before"
	// SignoffsAfter asks once the release runs there: people check it
	// there (QA on stage) before it goes on.
	SignoffsAfter = "after"
)

// EnvNames lists the pipeline's environments in the order a release goes
// through them: the waves of Waves, one after another.
func (p *Pipeline) EnvNames() []string {
	var names []string
	for _, w := range p.Waves() {
		names = append(names, w...)
	}
	return names
}

// Waves groups the environments into the waves a release deploys one
// after another; the environments of one wave deploy at the same time. A
// pipeline that fails validation (a cycle) gives its environments one a
// wave, in file order.
func (p *Pipeline) Waves() [][]string {
	waves, _ := p.waves()
	return waves
}

// fileOrder is the environments in the order the file lists them: Order
// as Parse recorded it, or, for a pipeline made in code, stage and prod
// first and the others by name.
func (p *Pipeline) fileOrder() []string {
	if len(p.Order) == len(p.Environments) {
		ok := true
		for _, n := range p.Order {
			if _, has := p.Environments[n]; !has {
				ok = false
			}
		}
		if ok {
			return p.Order
		}
	}
	names := slices.Sorted(maps.Keys(p.Environments))
	slices.SortStableFunc(names, func(a, b string) int { return legacyRank(a) - legacyRank(b) })
	return names
}

func legacyRank(name string) int {
	switch name {
	case Stage:
		return 0
	case Prod:
		return 1
	}
	return 2
}

// after is the environments env deploys after: its after list, or the one
// before it in the file.
func (p *Pipeline) after(env string, order []string) []string {
	if a := p.Environments[env].After; len(a) > 0 {
		return a
	}
	if i := slices.Index(order, env); i > 0 {
		return []string{order[i-1]}
	}
	return nil
}

// Followers lists the environments that follow the main branch (Follow),
// in file order: releases pass them by.
func (p *Pipeline) Followers() []string {
	var out []string
	for _, env := range p.fileOrder() {
		if p.Environments[env].Follow != "" {
			out = append(out, env)
		}
	}
	return out
}

// releaseOrder is the file order without the environments that follow
// the main branch.
func (p *Pipeline) releaseOrder() []string {
	return slices.DeleteFunc(slices.Clone(p.fileOrder()), func(env string) bool { return p.Environments[env].Follow != "" })
}

// waves orders the environments: each after the ones it names, file order
// among those ready at once; an environment with parallel: true joins the
// wave of the one before it when both come after the same environments.
// A cycle or an unknown name comes back as an error naming the field.
func (p *Pipeline) waves() ([][]string, *Error) {
	order := p.releaseOrder()
	var sorted []string
	done := map[string]bool{}
	for len(sorted) < len(order) {
		progress := false
		for _, env := range order {
			if done[env] {
				continue
			}
			ready := true
			for _, a := range p.after(env, order) {
				if _, ok := p.Environments[a]; !ok {
					one := make([][]string, len(order))
					for i, n := range order {
						one[i] = []string{n}
					}
					return one, &Error{Field: child("environments", env) + ".after", Msg: fmt.Sprintf("%q is not an environment of this pipeline (environments: %s)", a, strings.Join(order, ", "))}
				}
				ready = ready && done[a]
			}
			if ready {
				sorted = append(sorted, env)
				done[env] = true
				progress = true
				break
			}
		}
		if !progress {
			one := make([][]string, len(order))
			for i, n := range order {
				one[i] = []string{n}
			}
			return one, p.cycle(order, done)
		}
	}
	var waves [][]string
	for i, env := range sorted {
		if i > 0 && p.Environments[env].Parallel {
			prev := sorted[i-1]
			if slices.Equal(sortedCopy(p.after(env, order)), sortedCopy(p.after(prev, order))) {
				waves[len(waves)-1] = append(waves[len(waves)-1], env)
				continue
			}
		}
		waves = append(waves, []string{env})
	}
	return waves, nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// cycle describes a cycle among the environments not yet ordered.
func (p *Pipeline) cycle(order []string, done map[string]bool) *Error {
	var start string
	for _, env := range order {
		if !done[env] {
			start = env
			break
		}
	}
	path := []string{start}
	seen := map[string]int{start: 0}
	env := start
	for {
		var next string
		for _, a := range p.after(env, order) {
			if !done[a] {
				next = a
				break
			}
		}
		if i, ok := seen[next]; ok {
			loop := append(slices.Clone(path[i:]), next)
			slices.Reverse(loop)
			return &Error{Field: child("environments", next) + ".after", Msg: fmt.Sprintf("the environments wait for each other in a cycle (%s), so none could ever deploy; break it", strings.Join(loop, " then "))}
		}
		seen[next] = len(path)
		path = append(path, next)
		env = next
	}
}

// IsProduction reports whether env is production: its production field,
// or by default an environment named prod, production, or starting with
// prod- or production- (prod-us, prod-eu). Production environments have
// the default deploy window, the production freeze, the ship delay, no
// downgrades, whole-release rollback and a bake by default, and a release
// holds them until it is promoted.
func (p *Pipeline) IsProduction(env string) bool {
	if pr := p.Environments[env].Production; pr != nil {
		return *pr
	}
	return defaultProduction(env)
}

func defaultProduction(name string) bool {
	return name == Prod || name == "production" || strings.HasPrefix(name, "prod-") || strings.HasPrefix(name, "production-")
}

// Production lists the production environments, in release order.
func (p *Pipeline) Production() []string {
	var out []string
	for _, env := range p.EnvNames() {
		if p.IsProduction(env) {
			out = append(out, env)
		}
	}
	return out
}

// SignoffsAfterDeploy reports whether env's signoffs are asked for once
// the release runs there (SignoffsAfter; the default for stage) rather
// than before it deploys there (the default elsewhere).
func (p *Pipeline) SignoffsAfterDeploy(env string) bool {
	switch p.Environments[env].SignoffsAt {
	case SignoffsAfter:
		return true
	case SignoffsBefore:
		return false
	}
	return env == Stage
}

// validateOrder checks after and parallel.
func (p *Pipeline) validateOrder(ps *problems) {
	order := p.releaseOrder()
	bad := false
	for _, env := range p.fileOrder() {
		e := p.Environments[env]
		path := child("environments", env)
		for i, a := range e.After {
			if a == env {
				ps.add(item(path+".after", i), "%q is this environment itself; name the ones it deploys after", a)
				bad = true
			}
		}
		if e.Parallel && len(e.After) == 0 {
			ps.add(path+".parallel", "true, but after is not set: name the environments this one deploys after, the same as the other environments of its wave")
			bad = true
		}
		for i, a := range e.After {
			if f := p.Environments[a].Follow; f != "" {
				ps.add(item(path+".after", i), "%q follows %s and is not on a release's way; name an environment releases deploy to", a, f)
				bad = true
			}
		}
		if e.Follow != "" {
			p.validateFollow(env, path, e, ps)
		}
	}
	if bad {
		return
	}
	waves, err := p.waves()
	if err != nil {
		*ps = append(*ps, err)
		return
	}
	for _, w := range waves {
		if env := w[0]; p.Environments[env].Parallel {
			ps.add(child("environments", env)+".parallel", "true, but the environment before it in the file does not deploy after the same ones (%s), so it has no wave to join; list the environments of a wave one after another",
				strings.Join(p.after(env, order), ", "))
		}
	}
}

// MarshalYAML writes the pipeline with its environments in file order,
// so that a written-out pipeline reads back the same.
func (p Pipeline) MarshalYAML() (any, error) {
	type fields Pipeline
	var doc yaml.Node
	if err := doc.Encode(fields(p)); err != nil {
		return nil, err
	}
	envs := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, name := range p.fileOrder() {
		var k, v yaml.Node
		k.SetString(name)
		if err := v.Encode(p.Environments[name]); err != nil {
			return nil, err
		}
		envs.Content = append(envs.Content, &k, &v)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "environments" {
			doc.Content[i+1] = envs
		}
	}
	return &doc, nil
}

// validateFollow checks an environment that follows a branch.
func (p *Pipeline) validateFollow(env, path string, e Environment, ps *problems) {
	if e.Follow != p.Repository.MainBranch {
		ps.add(path+".follow", "%q is not the main branch (%s); an environment follows the main branch", e.Follow, p.Repository.MainBranch)
	}
	if len(e.Signoffs) > 0 {
		ps.add(path+".signoffs", "an environment that follows %s deploys every commit as it lands, with nobody to sign for it; move the signoffs to the environment releases go to next", e.Follow)
	}
	if p.IsProduction(env) {
		ps.add(path+".follow", "%s is a production environment: production takes signed releases only, never every commit of %s", env, e.Follow)
	}
	if len(e.After) > 0 || e.Parallel {
		ps.add(path+".follow", "an environment that follows %s is not on a release's way, so after and parallel mean nothing here; remove them", e.Follow)
	}
	if len(p.releaseOrder()) == 0 {
		ps.add(path+".follow", "every environment follows %s, so releases have nowhere to go; add the environments releases deploy to", e.Follow)
	}
}
