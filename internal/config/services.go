package config

import (
	"cmp"
	"slices"
)

// OrderedServices returns the services in deploy order: by Order, lower
// first, and in file order where Order is equal.
func (p *Pipeline) OrderedServices() []Service {
	s := slices.Clone(p.Services)
	slices.SortStableFunc(s, func(a, b Service) int { return cmp.Compare(a.Order, b.Order) })
	return s
}

// ServicesIn returns the services in env's deploy order: alphabetical
// when env says so, otherwise OrderedServices.
func (p *Pipeline) ServicesIn(env string) []Service {
	s := p.OrderedServices()
	if p.Environments[env].Order == OrderAlphabetical {
		slices.SortStableFunc(s, func(a, b Service) int { return cmp.Compare(a.Name, b.Name) })
	}
	return s
}

// Service returns the service called name.
func (p *Pipeline) Service(name string) (Service, bool) {
	i := slices.IndexFunc(p.Services, func(s Service) bool { return s.Name == name })
	if i < 0 {
		return Service{}, false
	}
	return p.Services[i], true
}

// MigrationsBefore returns the migrations to run before service is
// deployed, in file order.
func (p *Pipeline) MigrationsBefore(service string) []Migration {
	var ms []Migration
	for _, m := range p.Migrations {
		if m.Before == service {
			ms = append(ms, m)
		}
	}
	return ms
}
