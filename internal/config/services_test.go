package config

import (
	"slices"
	"testing"
)

func TestOrderedServices(t *testing.T) {
	tests := []struct {
		name     string
		services []Service
		want     []string
	}{
		{
			name:     "lower_order_first",
			services: []Service{{Name: "c", Order: 3}, {Name: "a", Order: 1}, {Name: "b", Order: 2}},
			want:     []string{"a", "b", "c"},
		},
		{
			name:     "equal_order_keeps_file_order",
			services: []Service{{Name: "web"}, {Name: "auth", Order: -1}, {Name: "api"}, {Name: "worker"}},
			want:     []string{"auth", "web", "api", "worker"},
		},
		{
			name: "no_services",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Pipeline{Services: tt.services}
			before := slices.Clone(p.Services)
			var got []string
			for _, s := range p.OrderedServices() {
				got = append(got, s.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("OrderedServices = %v, want %v", got, tt.want)
			}
			if !slices.EqualFunc(p.Services, before, func(a, b Service) bool { return a.Name == b.Name }) {
				t.Errorf("OrderedServices reordered p.Services")
			}
		})
	}
}

func TestService(t *testing.T) {
	p := &Pipeline{Services: []Service{{Name: "auth-server", Port: 8081}, {Name: "api", Port: 8082}}}
	tests := []struct {
		name     string
		service  string
		wantPort int
		wantOK   bool
	}{
		{name: "finds_by_name", service: "api", wantPort: 8082, wantOK: true},
		{name: "unknown_name_is_not_found", service: "web", wantOK: false},
		{name: "name_is_exact", service: "API", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := p.Service(tt.service)
			if ok != tt.wantOK || s.Port != tt.wantPort {
				t.Errorf("Service(%q) = port %d, %v; want port %d, %v", tt.service, s.Port, ok, tt.wantPort, tt.wantOK)
			}
		})
	}
}

func TestMigrationsBefore(t *testing.T) {
	p := &Pipeline{Migrations: []Migration{
		{Name: "m1", Before: "api"},
		{Name: "m2", Before: "auth-server"},
		{Name: "m3", Before: "api"},
	}}
	tests := []struct {
		name    string
		service string
		want    []string
	}{
		{name: "in_file_order", service: "api", want: []string{"m1", "m3"}},
		{name: "one", service: "auth-server", want: []string{"m2"}},
		{name: "none", service: "web", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range p.MigrationsBefore(tt.service) {
				got = append(got, m.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("MigrationsBefore(%q) = %v, want %v", tt.service, got, tt.want)
			}
		})
	}
}
