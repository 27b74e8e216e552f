package config

import (
	"maps"
	"slices"
	"strings"
)

// OwnerOf is the release owner of train, from the rotation; "" without one.
func (p Pipeline) OwnerOf(train int) string {
	if len(p.Release.Owners) == 0 || train < 0 {
		return ""
	}
	return p.Release.Owners[train%len(p.Release.Owners)]
}

// validateOwners refuses an owner the file does not know: one who is not
// under people, an approver role or release.managers cannot be checked
// for who they are, nor asked.
func (p *Pipeline) validateOwners(ps *problems) {
	known := map[string]bool{}
	for name := range p.People {
		known[name] = true
	}
	for _, people := range p.Approvers {
		for _, name := range people {
			known[name] = true
		}
	}
	for _, name := range p.Release.Managers {
		known[name] = true
	}
	seen := map[string]bool{}
	for i, name := range p.Release.Owners {
		field := item("release.owners", i)
		switch {
		case !known[name]:
			names := slices.Sorted(maps.Keys(known))
			if len(names) == 0 {
				ps.add(field, "%q is not a person the file names: list the owners under people (with their keys) or approvers first", name)
			} else {
				ps.add(field, "%q is not a person the file names (people, approvers and release.managers name: %s)", name, strings.Join(names, ", "))
			}
		case seen[name]:
			ps.add(field, "%q is listed twice; each owner takes one train in turn", name)
		}
		seen[name] = true
	}
}
