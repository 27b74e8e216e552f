package config

import "testing"

func TestPaths(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		wantParent string
	}{
		{name: "top_level_field", path: child("", "product"), wantParent: ""},
		{name: "nested_field", path: child(child("environments", "prod"), "window"), wantParent: "environments.prod"},
		{name: "list_item", path: item("services", 2), wantParent: "services"},
		{name: "field_of_list_item", path: child(item("services", 0), "build"), wantParent: "services[0]"},
		{name: "quoted_key", path: child("approvers", "release managers"), wantParent: "approvers"},
		{name: "item_under_quoted_key", path: item(child("approvers", `a.b["c"]`), 1), wantParent: `approvers["a.b[\"c\"]"]`},
		{name: "quoted_top_level_key", path: child(child("", "x y"), "z"), wantParent: `["x y"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parent(tt.path); got != tt.wantParent {
				t.Errorf("parent(%q) = %q, want %q", tt.path, got, tt.wantParent)
			}
		})
	}
}

func TestUnder(t *testing.T) {
	tests := []struct {
		name       string
		path, base string
		want       bool
	}{
		{name: "itself", path: "services[0].port", base: "services[0].port", want: true},
		{name: "field_below", path: "services[0].port", base: "services[0]", want: true},
		{name: "item_below", path: "services[0]", base: "services", want: true},
		{name: "longer_name_is_not_below", path: "services[0].portal", base: "services[0].port", want: false},
		{name: "sibling", path: "services[1]", base: "services[0]", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := under(tt.path, tt.base); got != tt.want {
				t.Errorf("under(%q, %q) = %v, want %v", tt.path, tt.base, got, tt.want)
			}
		})
	}
}
