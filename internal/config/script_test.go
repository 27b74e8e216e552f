package config

import (
	"path/filepath"
	"testing"
)

// TestLoadScriptExample: the example's script-target pipeline loads, both
// environments run the example's scripts, and the commands run in the
// pipeline file's directory, so ./deploy/script/deploy.sh is the file
// beside it.
func TestLoadScriptExample(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "shop", "signalman.script.yaml")
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{Stage, Prod} {
		e := p.Environments[env]
		if e.Target != TargetScript || e.Script == nil {
			t.Fatalf("%s: target %q, script %+v; want the script target", env, e.Target, e.Script)
		}
		if e.Script.Deploy != "./deploy/script/deploy.sh" || e.Script.Status == "" || e.Script.Dir != dir || e.Script.Timeout.String() != "5m0s" {
			t.Errorf("%s: script %+v; want the example's commands run in %s, 5m each", env, *e.Script, dir)
		}
	}
}
