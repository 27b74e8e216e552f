package tests

import (
	"github.com/signalman/signalman/tests/e2e"
	"strings"
	"testing"
)

// badBase is a valid pipeline; each malformed case below changes one thing.
const badBase = `product: shop
repository:
  url: /srv/git/shop.git
services:
  - name: api
environments:
  stage: {}
  prod: {}
auth: claimed
approvers:
  sre: [sam]
`

// TestBadInput_configs runs the real CLI's `config validate` on malformed
// pipeline files: each must be refused with exit 2 and its own
// file:line:field error, and nothing else.
func TestBadInput_configs(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"yaml_tab", "product: shop\nrepository:\n\turl: x\n", "signalman.yaml:3: found character that cannot start any token (a tab is on this line"},
		{"key_twice", strings.Replace(badBase, "product: shop\n", "product: shop\nproduct: toys\n", 1), "signalman.yaml:2: product: set twice (first on line 1)"},
		{"unknown_field_suggests", strings.Replace(badBase, "  prod: {}", "  prod:\n    windw: {}", 1),
			`signalman.yaml:9: environments.prod.windw: unknown field (did you mean "window"?)`},
		{"bad_product", strings.Replace(badBase, "product: shop", "product: Shop!", 1), "signalman.yaml:1: product: "},
		{"environments_in_a_cycle", strings.Replace(badBase, "  prod: {}\n", "  prod: {}\n  prod-eu: {after: [prod-asia]}\n  prod-asia: {after: [prod-eu]}\n", 1),
			"signalman.yaml:9: environments.prod-eu.after: the environments wait for each other in a cycle (prod-eu then prod-asia then prod-eu)"},
		{"after_an_unknown_environment", strings.Replace(badBase, "  prod: {}\n", "  prod: {after: [qa]}\n", 1),
			`signalman.yaml:8: environments.prod.after: "qa" is not an environment of this pipeline`},
		{"instances_out_of_range", strings.Replace(badBase, "  - name: api\n", "  - name: api\n    instances: 50\n", 1),
			"signalman.yaml:6: services[0].instances: 50 is out of range (want 1 to 20)"},
		{"duplicate_service", strings.Replace(badBase, "  - name: api\n", "  - name: api\n  - name: api\n", 1),
			`signalman.yaml:6: services[1].name: "api" is already the name of services[0]`},
		{"unknown_target", strings.Replace(badBase, "  prod: {}", "  prod:\n    target: kubernetes", 1),
			`signalman.yaml:9: environments.prod.target: "kubernetes" is not a target (want process, docker or script)`},
		{"window_hour", strings.Replace(badBase, "  prod: {}", "  prod:\n    window:\n      start: \"25:00\"", 1),
			`signalman.yaml:10: environments.prod.window.start: "25:00" is not a time of day`},
		{"window_zone", strings.Replace(badBase, "  prod: {}", "  prod:\n    window:\n      timezone: Mars/Olympus", 1),
			`signalman.yaml:10: environments.prod.window.timezone: "Mars/Olympus" is not a known time zone`},
		{"canary_weight", strings.Replace(badBase, "  prod: {}", "  prod:\n    canary:\n      steps: [{weight: 150, pause: 1m}]", 1),
			"signalman.yaml:10: environments.prod.canary.steps[0].weight: 150 is out of range (want 1 to 100"},
		{"canary_metric", strings.Replace(badBase, "  prod: {}", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics: [{name: cpu}]", 1),
			`signalman.yaml:11: environments.prod.canary.metrics[0].name: "cpu" is not a metric (want error_rate or latency)`},
		{"signoff_role_without_approvers", strings.Replace(badBase, "  prod: {}", "  prod:\n    signoffs: [{role: qa}]", 1),
			`signalman.yaml:9: environments.prod.signoffs[0].role: "qa" is not a role under approvers`},
		{"signoff_quorum_zero", strings.Replace(badBase, "  prod: {}", "  prod:\n    signoffs: [{role: sre, count: 0}]", 1),
			"signalman.yaml:9: environments.prod.signoffs[0].count: 0 is less than 1"},
		{"github_checks_without_github", badBase + "tests:\n  github_checks: true\n",
			"signalman.yaml:13: tests.github_checks: is true, but repository.github is not set"},
		{"duration", badBase + "tests:\n  timeout: forever\n",
			`signalman.yaml:13: tests.timeout: "forever" is not a duration`},
		{"people_named_without_keys_or_auth", strings.Replace(badBase, "auth: claimed\n", "", 1),
			"signalman.yaml:9: approvers: names people, but no person has an SSH key and auth is not set"},
		{"ssh_key", badBase + "people:\n  sam: {ssh_keys: [\"ssh-ed25519 AAAA\"]}\n",
			"signalman.yaml:13: people.sam.ssh_keys[0]: is not an SSH public key"},
		{"github_api", strings.Replace(badBase, "  url: /srv/git/shop.git", "  url: /srv/git/shop.git\n  github: acme/shop\n  github_api: ftp://example", 1),
			"signalman.yaml:5: repository.github_api: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := e2e.WritePipeline(t, tc.yaml)
			r := e2e.CLI(t, "127.0.0.1:1", "config", "validate", file)
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", r.Code, r.Stderr)
			}
			if !strings.Contains(r.Stderr, file[:len(file)-len("signalman.yaml")]+tc.want) {
				t.Errorf("error %q does not contain %q", r.Stderr, tc.want)
			}
			if r.Stdout != "" {
				t.Errorf("a refused file printed %q", r.Stdout)
			}
		})
	}
}

// TestBadInput_cli gives the real CLI wrong arguments: each is refused
// with exit 2 and a message saying what is wrong, before anything is
// sent anywhere (the address answers nothing, so a connection attempt
// would exit 1).
func TestBadInput_cli(t *testing.T) {
	cfg := e2e.WritePipeline(t, badBase)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"status", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"signoff"}, "signoff takes VERSION"},
		{[]string{"-o", "yaml", "list"}, `-o "yaml": want text or json`},
		{[]string{"release", "start", "v1.2", "-c", cfg}, `version "v1.2": want vMAJOR.TRAIN.PATCH`},
		{[]string{"release", "start", "v1.2.0", "-c", cfg + ".missing"}, "no such file"},
		{[]string{"train", "start", "shop", "--train", "0", "-c", cfg}, "--train N (1 or more)"},
		{[]string{"train", "start", "toys", "--train", "1", "-c", cfg}, `describes product "shop", not "toys"`},
		{[]string{"dot", "shop", "--train", "0", "--pick", "abc1234"}, "give the train with --train N"},
		{[]string{"dot", "shop", "--train", "101", "--pick", "abc1234"}, "a dot release needs a reason: --reason s1, test-failure, deadline, other"},
		{[]string{"dot", "shop", "--train", "101", "--pick", "abc1234", "--reason", "boss-said"}, `--reason "boss-said" is not a reason for a dot release`},
		{[]string{"dot", "shop", "--train", "101", "--pick", "abc1234", "--reason", "deadline"}, "say why in words with --because"},
		{[]string{"release", "start", "v1.2.0", "-c", cfg, "--as", "rita", "--ops-note", "line one\nline two"}, "--ops-note must be one line"},
		{[]string{"stage-deploy", "shop", "--train", "101", "--pick", "abc1234", "--name", "v1.101.0", "-c", cfg}, `stage-deploy name "v1.101.0" looks like a release version`},
		{[]string{"stage-deploy", "shop", "--train", "101", "--pick", "abc1234", "-c", cfg}, "name the temporary deploy with --name NAME"},
		{[]string{"stage-deploy", "shop", "--train", "101", "--pick", "abc1234", "--name", "fix", "--service", "cart", "-c", cfg}, `--service "cart": ` + cfg + ` has no such service (services: api)`},
		{[]string{"freeze", "shop", "-c", cfg}, "a freeze needs --reason"},
		{[]string{"rollback", "shop", "--env", "qa", "-c", cfg, "--reason", "x"}, `--env "qa": ` + cfg + ` has no such environment (environments: stage, prod)`},
		{[]string{"rollback", "shop", "--env", "prod", "--service", "cart", "-c", cfg, "--reason", "x"}, `--service "cart"`},
		{[]string{"rollback", "shop", "--env", "prod", "-c", cfg}, "a rollback needs --reason"},
		{[]string{"schedule", "candidate", "-c", cfg, "--tz", "Mars/Olympus"}, `--tz "Mars/Olympus"`},
		{[]string{"schedule", "candidate", "-c", cfg, "--tz", "UTC", "--at", "24:00"}, `--at "24:00" is not a time of day`},
		{[]string{"schedule", "candidate", "-c", cfg, "--tz", "UTC", "--days", "fri-mon"}, "not a range of days in week order"},
		{[]string{"dora", "shop", "--since", "3x"}, `window "3x"`},
		{[]string{"canary", "v1.2.0", "maybe", "--product", "shop", "--service", "api"}, `decision "maybe": want continue or rollback`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			r := e2e.CLI(t, "127.0.0.1:1", tc.args...)
			if r.Code != 2 || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("signalman %s: exit %d, %q; want exit 2 saying %q", strings.Join(tc.args, " "), r.Code, r.Stderr, tc.want)
			}
		})
	}
}

// TestBadInput_unknown asks a real server about releases, trains,
// schedules and freezes that do not exist: not found is exit 4 with the
// name of what is missing; lifting a freeze that never was is refused.
func TestBadInput_unknown(t *testing.T) {
	srv := e2e.StartServer(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"status", "v9.9.9", "--product", "shop"}, 4, "no release shop v9.9.9"},
		{[]string{"signoff", "v9.9.9", "--verdict", "green", "--product", "shop", "--as", "quinn"}, 4, "v9.9.9"},
		{[]string{"abort", "v9.9.9", "--reason", "x", "--product", "shop", "--as", "quinn"}, 4, "v9.9.9"},
		{[]string{"schedule", "trigger", "shop"}, 4, "shop has no candidate schedule"},
		{[]string{"schedule", "show", "shop"}, 4, "shop has no candidate schedule"},
		{[]string{"unfreeze", "shop", "--as", "sam"}, 3, "shop is not frozen"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[:2], "_"), func(t *testing.T) {
			r := e2e.CLI(t, srv.Addr, tc.args...)
			if r.Code != tc.code || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("signalman %s: exit %d, %q; want exit %d saying %q", strings.Join(tc.args, " "), r.Code, r.Stderr, tc.code, tc.want)
			}
		})
	}
	if r := e2e.CLI(t, srv.Addr, "freeze", "shop", "--status"); r.Code != 0 || !strings.Contains(r.Stdout, "shop production is not frozen") {
		t.Errorf("freeze --status of a product never frozen: exit %d, %q", r.Code, r.Stdout+r.Stderr)
	}
}
