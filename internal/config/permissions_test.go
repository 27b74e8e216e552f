package config

import (
	"strings"
	"testing"
)

// TestPermissions_rollbackWithoutSRE: a file with neither an sre role nor
// an on-call leaves rollback open to anyone (the rule before permissions),
// so an incident never finds production locked; naming an on-call closes
// it again.
func TestPermissions_rollbackWithoutSRE(t *testing.T) {
	const base = "product: shop\nrepository: {url: ./shop}\nservices:\n  - name: api\nenvironments:\n  stage: {}\n  prod: {}\n"
	open, err := Parse("signalman.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := open.May(ActRollback, "anyone", Who{}); ok || err != nil {
		t.Errorf("no sre, no on-call: May(rollback) = %v, %v; want the rule before permissions (false, nil)", ok, err)
	}
	closed, err := Parse("signalman.yaml", []byte(base+"auth: claimed\noncall: {people: [omar]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed.May(ActRollback, "dave", Who{Oncall: []string{"omar"}}); err == nil || !strings.Contains(err.Error(), "permissions.rollback allows oncall (omar)") {
		t.Errorf("with an on-call: May(rollback) by dave = %v; want refused naming oncall (omar)", err)
	}
}
