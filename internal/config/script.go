package config

import (
	"path/filepath"
	"time"
)

// Script is the script target's commands: the team's own way of running a
// version on its platform (kubectl, Helm, Nomad, a fleet of VMs). Each runs
// with `sh -c` in the pipeline file's directory on the deploy worker, with
// the contract's environment variables (README: The script target), and
// must be idempotent: a call is retried after a worker dies or a
// retryable failure.
type Script struct {
	// Deploy starts the new version's instances and prints their
	// addresses as JSON on stdout. Required.
	Deploy string `yaml:"deploy" json:"deploy"`
	// Retire stops every instance of one version. Required.
	Retire string `yaml:"retire" json:"retire"`
	// Weight is told each traffic change (the canary's share, the stable
	// and canary versions), for a platform that splits traffic itself.
	// Optional: Signalman's router splits it in any case.
	Weight string `yaml:"weight" json:"weight,omitempty"`
	// Status prints the service's instances alive now as JSON. Optional:
	// without it, what deploy printed is what runs until retire.
	Status string `yaml:"status" json:"status,omitempty"`
	// Timeout bounds each call (default 10m).
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
	// Dir is the pipeline file's directory, where the commands run; set
	// by Load, empty when the file was only parsed.
	Dir string `yaml:"-" json:"dir,omitempty"`
}

// defaultScriptTimeout bounds a script call.
const defaultScriptTimeout = 10 * time.Minute

func (s *Script) setDefaults() {
	if s.Timeout == 0 {
		s.Timeout = defaultScriptTimeout
	}
}

func (e *Environment) validateScript(path string, ps *problems) {
	s := e.Script
	if e.Target != TargetScript {
		if s != nil {
			ps.add(path+".script", "is set, but target is %s: the script target runs it (target: script)", e.Target)
		}
		return
	}
	if s == nil {
		ps.add(path+".script", "missing: target script needs its commands (script: {deploy: ./deploy.sh, retire: ./retire.sh})")
		return
	}
	if s.Deploy == "" {
		ps.add(path+".script.deploy", "missing: the command that starts a version's instances and prints their addresses")
	}
	if s.Retire == "" {
		ps.add(path+".script.retire", "missing: the command that stops a version's instances")
	}
	if s.Timeout < 0 {
		ps.add(path+".script.timeout", "%s is negative", s.Timeout)
	}
}

// resolveScripts makes the script target's commands run in dir, the
// pipeline file's directory, so ./deploy.sh means the file beside it.
func (p *Pipeline) resolveScripts(dir string) {
	for _, e := range p.Environments {
		if e.Script != nil {
			e.Script.Dir = filepath.Clean(dir)
		}
	}
}
