package config

import (
	"strings"
	"testing"
)

// base is a minimal valid pipeline file; cases append top-level fields to
// it (from line 8 on) or replace it.
const base = `product: shop
repository: {url: ./shop}
services:
  - name: api
environments:
  stage: {}
  prod: {}
`

// claimed appends auth: claimed to a file that names people and says
// nothing of auth (which the file must then do): the rules these cases
// test are not about who people are. The line numbers before the end stay.
func claimed(file string) string {
	if strings.Contains(file, "\nauth:") || !strings.Contains(file, "approvers:") && !strings.Contains(file, "managers:") {
		return file
	}
	if !strings.HasSuffix(file, "\n") {
		file += "\n"
	}
	return file + "auth: claimed\n"
}

// TestParseRules has one case per validation rule; each wants the exact
// message, line included.
func TestParseRules(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{
			name: "product_is_required",
			file: strings.Replace(base, "product: shop\n", "", 1),
			want: `signalman.yaml:1: product: missing; name the product, such as product: shop`,
		},
		{
			name: "people_named_without_keys_need_auth_claimed",
			file: base + "approvers:\n  qa: [quinn]\nauth: \"\"\n",
			want: `signalman.yaml:8: approvers: names people, but no person has an SSH key and auth is not set: list each person's keys (people: sam: ssh_keys: ["ssh-ed25519 AAAA..."], or allowed_signers: FILE) so every request is signed, or write auth: claimed to believe whatever name a request gives`,
		},
		{
			name: "auth_is_signed_or_claimed",
			file: base + "auth: trusted\n",
			want: `signalman.yaml:8: auth: "trusted" is not signed or claimed`,
		},
		{
			name: "ssh_keys_are_public_keys",
			file: base + "people:\n  sam:\n    ssh_keys: [\"ssh-ed25519 notakey\"]\n",
			want: `signalman.yaml:10: people.sam.ssh_keys[0]: is not an SSH public key (want one line such as "ssh-ed25519 AAAA... sam@laptop", as ~/.ssh/id_ed25519.pub holds)`,
		},
		{
			name: "product_must_be_a_dns_label",
			file: strings.Replace(base, "product: shop", "product: My_Shop", 1),
			want: `signalman.yaml:1: product: "My_Shop" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
		},
		{
			name: "product_is_at_most_40_characters",
			file: strings.Replace(base, "product: shop", "product: "+strings.Repeat("a", 41), 1),
			want: `signalman.yaml:1: product: "` + strings.Repeat("a", 41) + `" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
		},
		{
			name: "repository_url_is_required",
			file: strings.Replace(base, "{url: ./shop}", "{main_branch: main}", 1),
			want: `signalman.yaml:2: repository.url: missing; set it to what git clone takes: a path, or a file://, https:// or ssh URL`,
		},
		{
			name: "repository_github_is_owner_slash_name",
			file: strings.Replace(base, "{url: ./shop}", "{url: ./shop, github: shop}", 1),
			want: `signalman.yaml:2: repository.github: "shop" is not owner/name (want one such as signalman/shop)`,
		},
		{
			name: "repository_github_api_is_an_http_url",
			file: strings.Replace(base, "{url: ./shop}", "{url: ./shop, github: acme/shop, github_api: github.example.com}", 1),
			want: `signalman.yaml:2: repository.github_api: "github.example.com" is not an http(s) URL (want your GitHub Enterprise server's, such as https://github.example.com, or leave github_api out for github.com)`,
		},
		{
			name: "repository_github_token_env_is_an_env_var_name",
			file: strings.Replace(base, "repository: {url: ./shop}", "repository:\n  url: ./shop\n  github: acme/shop\n  github_token_env: $GITHUB_TOKEN", 1),
			want: `signalman.yaml:5: repository.github_token_env: "$GITHUB_TOKEN" is not an environment variable name (want letters, digits and underscores, not starting with a digit, such as GITHUB_TOKEN)`,
		},
		{
			name: "tests_github_checks_need_repository_github",
			file: base + "tests:\n  command: go test ./...\n  github_checks: true\n",
			want: `signalman.yaml:10: tests.github_checks: is true, but repository.github is not set; set github: owner/name under repository, or remove github_checks`,
		},
		{
			name: "versioning_major_is_not_negative",
			file: base + "versioning:\n  major: -1\n",
			want: `signalman.yaml:9: versioning.major: -1 is negative (want 0 or more)`,
		},
		{
			name: "tests_timeout_is_positive",
			file: base + "tests:\n  command: go test ./...\n  timeout: 0s\n",
			want: `signalman.yaml:10: tests.timeout: 0s is not positive (want a duration such as 30m)`,
		},
		{
			name: "at_least_one_service",
			file: strings.Replace(base, "  - name: api\n", "", 1),
			want: `signalman.yaml:1: services: none listed; list at least one service to deploy, such as - name: api`,
		},
		{
			name: "empty_service_list",
			file: strings.Replace(base, "services:\n  - name: api\n", "services: []\n", 1),
			want: `signalman.yaml:3: services: none listed; list at least one service to deploy, such as - name: api`,
		},
		{
			name: "service_name_is_required",
			file: strings.Replace(base, "  - name: api\n", "  - port: 8080\n", 1),
			want: `signalman.yaml:4: services[0].name: missing; name the service, such as name: api`,
		},
		{
			name: "service_names_are_unique",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n  - name: web\n  - name: api\n", 1),
			want: `signalman.yaml:6: services[2].name: "api" is already the name of services[0]; service names must be unique`,
		},
		{
			name: "service_name_is_a_dns_label",
			file: strings.Replace(base, "name: api", "name: -api", 1),
			want: `signalman.yaml:4: services[0].name: "-api" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
		},
		{
			name: "instances_at_least_1",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    instances: 0\n", 1),
			want: `signalman.yaml:5: services[0].instances: 0 is out of range (want 1 to 20)`,
		},
		{
			name: "instances_at_most_20",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    instances: 21\n", 1),
			want: `signalman.yaml:5: services[0].instances: 21 is out of range (want 1 to 20)`,
		},
		{
			name: "build_kind_is_go_or_dockerfile",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    build: {kind: docker}\n", 1),
			want: `signalman.yaml:5: services[0].build.kind: "docker" is not a build kind (want go or dockerfile)`,
		},
		{
			name: "dockerfile_needs_kind_dockerfile",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    build:\n      dockerfile: Dockerfile\n", 1),
			want: `signalman.yaml:6: services[0].build.dockerfile: is set, but build.kind is go; set kind: dockerfile or remove dockerfile`,
		},
		{
			name: "package_needs_kind_go",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    build:\n      kind: dockerfile\n      package: ./cmd/api\n", 1),
			want: `signalman.yaml:7: services[0].build.package: is set, but build.kind is dockerfile; set kind: go or remove package`,
		},
		{
			name: "port_in_range_when_set",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    port: 65536\n", 1),
			want: `signalman.yaml:5: services[0].port: 65536 is out of range (want 1 to 65535, or leave port out)`,
		},
		{
			name: "health_path_starts_with_slash",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    health:\n      path: healthz\n", 1),
			want: `signalman.yaml:6: services[0].health.path: "healthz" does not start with "/" (want a path such as /healthz)`,
		},
		{
			name: "health_timeout_is_positive",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    health: {timeout: -1s}\n", 1),
			want: `signalman.yaml:5: services[0].health.timeout: -1s is not positive (want a duration such as 60s)`,
		},
		{
			name: "health_interval_is_positive",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    health: {interval: 0s}\n", 1),
			want: `signalman.yaml:5: services[0].health.interval: 0s is not positive (want a duration such as 1s)`,
		},
		{
			name: "smoke_path_is_required",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    smoke:\n      - status: 204\n", 1),
			want: `signalman.yaml:6: services[0].smoke[0].path: missing; give the path to request, such as path: /`,
		},
		{
			name: "smoke_path_starts_with_slash",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    smoke:\n      - path: /\n      - path: ping\n", 1),
			want: `signalman.yaml:7: services[0].smoke[1].path: "ping" does not start with "/" (want a path such as /api/ping)`,
		},
		{
			name: "smoke_status_is_an_http_status",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    smoke:\n      - path: /\n        status: 600\n", 1),
			want: `signalman.yaml:7: services[0].smoke[0].status: 600 is not an HTTP status (want 100 to 599)`,
		},
		{
			name: "migration_name_is_required",
			file: base + "migrations:\n  - command: ./migrate up\n    before: api\n",
			want: `signalman.yaml:9: migrations[0].name: missing; name the migration, such as name: add-orders-index`,
		},
		{
			name: "migration_names_are_unique",
			file: base + "migrations:\n  - {name: m1, command: ./migrate 1, before: api}\n  - {name: m1, command: ./migrate 2, before: api}\n",
			want: `signalman.yaml:10: migrations[1].name: "m1" is already the name of migrations[0]; migration names must be unique`,
		},
		{
			name: "migration_command_is_required",
			file: base + "migrations:\n  - name: m1\n    before: api\n",
			want: `signalman.yaml:9: migrations[0].command: missing; give the shell command that applies the migration`,
		},
		{
			name: "migration_before_is_required",
			file: base + "migrations:\n  - name: m1\n    command: ./migrate up\n",
			want: `signalman.yaml:9: migrations[0].before: missing; name the service that needs this migration (one of api)`,
		},
		{
			name: "migration_before_names_a_service",
			file: base + "migrations:\n  - name: m1\n    command: ./migrate up\n    before: apl\n",
			want: `signalman.yaml:11: migrations[0].before: "apl" is not a service (want one of api)`,
		},
		{
			name: "environments_need_one",
			file: strings.Replace(base, "environments:\n  stage: {}\n  prod: {}\n", "", 1),
			want: `signalman.yaml:1: environments: none defined; define at least one, such as stage and prod`,
		},
		{
			name: "environment_names_are_dns_labels",
			file: base + "  QA: {}\n",
			want: `signalman.yaml:8: environments.QA: "QA" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
		},
		{
			name: "after_names_an_environment",
			file: base + "  prod-eu: {after: [prod-us]}\n",
			want: `signalman.yaml:8: environments.prod-eu.after: "prod-us" is not an environment of this pipeline (environments: stage, prod, prod-eu)`,
		},
		{
			name: "after_is_not_a_cycle",
			file: strings.Replace(base, "  stage: {}\n", "  stage: {after: [prod]}\n", 1),
			want: `signalman.yaml:6: environments.stage.after: the environments wait for each other in a cycle (stage then prod then stage), so none could ever deploy; break it`,
		},
		{
			name: "after_is_not_itself",
			file: strings.Replace(base, "  prod: {}\n", "  prod: {after: [prod]}\n", 1),
			want: `signalman.yaml:7: environments.prod.after[0]: "prod" is this environment itself; name the ones it deploys after`,
		},
		{
			name: "parallel_needs_after",
			file: strings.Replace(base, "  prod: {}\n", "  prod: {parallel: true}\n", 1),
			want: `signalman.yaml:7: environments.prod.parallel: true, but after is not set: name the environments this one deploys after, the same as the other environments of its wave`,
		},
		{
			name: "parallel_needs_a_wave_to_join",
			file: base + "  prod-eu: {after: [prod], parallel: true}\n",
			want: `signalman.yaml:8: environments.prod-eu.parallel: true, but the environment before it in the file does not deploy after the same ones (prod), so it has no wave to join; list the environments of a wave one after another`,
		},
		{
			name: "follow_has_nobody_to_sign",
			file: base + "  dev: {follow: main, signoffs: [{role: qa}]}\napprovers: {qa: [quinn]}\n",
			want: `signalman.yaml:8: environments.dev.signoffs: an environment that follows main deploys every commit as it lands, with nobody to sign for it; move the signoffs to the environment releases go to next`,
		},
		{
			name: "follow_is_never_production",
			file: strings.Replace(base, "  prod: {}\n", "  prod: {follow: main}\n", 1),
			want: `signalman.yaml:7: environments.prod.follow: prod is a production environment: production takes signed releases only, never every commit of main`,
		},
		{
			name: "follow_the_main_branch",
			file: base + "  dev: {follow: develop}\n",
			want: `signalman.yaml:8: environments.dev.follow: "develop" is not the main branch (main); an environment follows the main branch`,
		},
		{
			name: "after_a_follower",
			file: strings.Replace(base, "  stage: {}\n", "  dev: {follow: main}\n  stage: {after: [dev]}\n", 1),
			want: `signalman.yaml:7: environments.stage.after[0]: "dev" follows main and is not on a release's way; name an environment releases deploy to`,
		},
		{
			name: "retention_keeps_a_release",
			file: base + "retention: {releases: 0}\n",
			want: `signalman.yaml:8: retention.releases: 0 would leave no release to roll back to or to compare with; keep at least 1 (default 10); what runs in an environment is always kept`,
		},
		{
			name: "signoffs_at_is_before_or_after",
			file: strings.Replace(base, "  stage: {}\n", "  stage: {signoffs_at: during}\n", 1),
			want: `signalman.yaml:6: environments.stage.signoffs_at: "during" is not when signoffs are asked for (want before, before the release deploys here, or after, once it runs here)`,
		},
		{
			name: "target_is_process_or_docker",
			file: strings.Replace(base, "stage: {}", "stage: {target: k8s}", 1),
			want: `signalman.yaml:6: environments.stage.target: "k8s" is not a target (want process, docker or script)`,
		},
		{
			name: "on_failure_is_one_of_three",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    on_failure: maybe\n", 1),
			want: `signalman.yaml:8: environments.prod.on_failure: "maybe" is not what a failed deploy may do (want rollback-release, stop or continue)`,
		},
		{
			name: "bake_is_not_negative",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    bake: -1m\n", 1),
			want: `signalman.yaml:8: environments.prod.bake: -1m0s is negative (want 0 to turn the bake off, or a duration such as 10m)`,
		},
		{
			name: "bake_needs_a_canary",
			file: strings.Replace(base, "  stage: {}\n", "  stage:\n    bake: 5m\n", 1),
			want: `signalman.yaml:7: environments.stage.bake: 5m0s, but the environment has no canary: the bake judges with the canary's metrics; add a canary or set bake: 0`,
		},
		{
			name: "order_is_configured_or_alphabetical",
			file: strings.Replace(base, "  stage: {}\n", "  stage:\n    order: random\n", 1),
			want: `signalman.yaml:7: environments.stage.order: "random" is not a deploy order (want configured or alphabetical)`,
		},
		{
			name: "window_is_a_mapping_or_always",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    window: never\n", 1),
			want: `signalman.yaml:8: environments.prod.window: "never" is not a window; write always, or a mapping of days, start, end, timezone, holidays and freezes`,
		},
		{
			name: "stage_window_with_no_days_is_refused",
			file: strings.Replace(base, "  stage: {}\n", "  stage:\n    window:\n      days: []\n", 1) + "approvers: {sre: [sam]}\n",
			want: `signalman.yaml:8: environments.stage.window.days: empty, so the window never opens; list the deploy days, such as [mon, tue, wed, thu], leave days out for Monday to Thursday, or write window: always`,
		},
		{
			name: "canary_longer_than_the_default_prod_window_is_refused",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 4h}, {weight: 50, pause: 4h}]\n", 1),
			want: `signalman.yaml:9: environments.prod.canary.steps: the canary's pauses and the 10m0s margin take 8h10m0s, longer than the 8h0m0s the window is open a day, so no deploy could start; shorten the pauses or widen the window`,
		},
		{
			name: "window_start_is_a_time_of_day",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    window:\n      start: \"25:00\"\n", 1) + "approvers: {sre: [sam]}\n",
			want: `signalman.yaml:9: environments.prod.window.start: "25:00" is not a time of day (want HH:MM, 00:00 to 23:59)`,
		},
		{
			name: "window_days_are_weekdays",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    window:\n      days:\n        - mon\n        - tue\n        - thurs\n", 1) + "approvers: {sre: [sam]}\n",
			want: `signalman.yaml:12: environments.prod.window.days[2]: "thurs" is not a weekday (want mon..sun)`,
		},
		{
			name: "signoff_role_is_an_approvers_role",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{role: qa}]}", 1) + "approvers: {sre: [sam]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[0].role: "qa" is not a role under approvers; list the people who may sign under approvers.qa (roles under approvers: sre)`,
		},
		{
			name: "signoff_role_is_required",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{count: 1}]}", 1) + "approvers: {qa: [quinn]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[0].role: missing; name the role that signs (roles under approvers: qa)`,
		},
		{
			name: "script_target_needs_deploy",
			file: strings.Replace(base, "stage: {}", "stage: {target: script, script: {retire: ./retire.sh}}", 1),
			want: `signalman.yaml:6: environments.stage.script.deploy: missing: the command that starts a version's instances and prints their addresses`,
		},
		{
			name: "script_needs_the_script_target",
			file: strings.Replace(base, "stage: {}", "stage: {script: {deploy: ./d.sh, retire: ./r.sh}}", 1),
			want: `signalman.yaml:6: environments.stage.script: is set, but target is process: the script target runs it (target: script)`,
		},
		{
			name: "service_env_names_an_environment",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    env_by_environment: {qa: {LOG_LEVEL: debug}}\n", 1),
			want: `signalman.yaml:5: services[0].env_by_environment.qa: "qa" is not an environment of this file (environments: prod, stage)`,
		},
		{
			name: "service_env_is_not_signalmans",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    env: {PORT: \"80\"}\n", 1),
			want: `signalman.yaml:5: services[0].env.PORT: PORT cannot be set here: where the service listens is the deploy target's choice`,
		},
		{
			name: "secret_is_a_variable_name",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    secrets: [database-url]\n", 1),
			want: `signalman.yaml:5: services[0].secrets[0]: "database-url" is not an environment variable's name (a secret is named by the variable the service reads it from)`,
		},
		{
			name: "env_or_secret_not_both",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    env: {DATABASE_URL: x}\n    secrets: [DATABASE_URL]\n", 1),
			want: `signalman.yaml:5: services[0].env.DATABASE_URL: DATABASE_URL is also under secrets: a variable is either plain configuration or a secret`,
		},
		{
			name: "owners_are_people_the_file_names",
			file: base + "approvers: {sre: [sam]}\nauth: claimed\nrelease:\n  owners: [sam, olga]\n",
			want: `signalman.yaml:11: release.owners[1]: "olga" is not a person the file names (people, approvers and release.managers name: sam)`,
		},
		{
			name: "permissions_name_known_actions",
			file: base + "permissions:\n  deploy: [sre]\n",
			want: `signalman.yaml:9: permissions.deploy: "deploy" is not an action with a permission (want one of abort, decide, override-window, rollback, freeze, unfreeze, allow-vulnerabilities)`,
		},
		{
			name: "vulnerability_block_is_a_severity",
			file: base + "security:\n  vulnerabilities:\n    database: ./vulndb\n    block: severe\n",
			want: `signalman.yaml:11: security.vulnerabilities.block: "severe" is not a severity (want one of low, medium, high, critical)`,
		},
		{
			name: "vulnerability_gate_needs_a_database",
			file: base + "security:\n  vulnerabilities: {block: high}\n",
			want: `signalman.yaml:9: security.vulnerabilities.database: missing: the directory of OSV records the sign worker checks images against (vuln.go.dev's vulndb.zip unpacked, or a directory of OSV JSON files)`,
		},
		{
			name: "vulnerability_ignore_ends_on_a_day",
			file: base + "security:\n  vulnerabilities:\n    database: ./vulndb\n    ignore:\n      - {id: GO-2026-0001, reason: internal only, until: next week}\n",
			want: `signalman.yaml:12: security.vulnerabilities.ignore[0].until: "next week" is not a day (want YYYY-MM-DD)`,
		},
		{
			name: "permissions_name_roles_people_or_groups",
			file: base + "approvers: {sre: [sam]}\nauth: claimed\npermissions:\n  rollback: [sres]\n",
			want: `signalman.yaml:11: permissions.rollback[0]: "sres" is not an approver role, a person the file names, trigger, managers or oncall`,
		},
		{
			name: "oncall_handoff_is_a_weekday",
			file: base + "oncall: {people: [sam], handoff: funday}\n",
			want: `signalman.yaml:8: oncall.handoff: "funday" is not a weekday (want mon..sun)`,
		},
		{
			name: "signoff_valid_for_at_least_an_hour",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{role: qa, valid_for: 10m}]}", 1) + "approvers: {qa: [quinn]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[0].valid_for: 10m0s is less than an hour; a signoff must count at least until the release can ship (default 96h)`,
		},
		{
			name: "signoff_count_at_least_1",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{role: qa, count: 0}]}", 1) + "approvers: {qa: [quinn]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[0].count: 0 is less than 1 (want at least one person)`,
		},
		{
			name: "signoff_count_at_most_the_people_listed",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{role: qa, count: 3}]}", 1) + "approvers: {qa: [quinn, quentin]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[0].count: 3 is more than the 2 people listed under approvers.qa; list more people or lower the count`,
		},
		{
			name: "signoff_roles_are_unique_in_an_environment",
			file: strings.Replace(base, "stage: {}", "stage: {signoffs: [{role: qa}, {role: qa}]}", 1) + "approvers: {qa: [quinn, quentin]}\n",
			want: `signalman.yaml:6: environments.stage.signoffs[1].role: "qa" is already required by signoffs[0]; keep one entry and raise its count`,
		},
		{
			name: "approver_names_are_not_empty",
			file: base + "approvers:\n  qa:\n    - quinn\n    - \"\"\n",
			want: `signalman.yaml:11: approvers.qa[1]: empty name; write the person's name or remove the line`,
		},
		{
			name: "approver_names_are_unique_in_a_role",
			file: base + "approvers:\n  qa: [quinn, quentin, quinn]\n",
			want: `signalman.yaml:9: approvers.qa[2]: "quinn" is listed twice (first as approvers.qa[0]); remove one`,
		},
		{
			name: "canary_has_a_step",
			file: strings.Replace(base, "prod: {}", "prod: {canary: {confidence: 0.9}}", 1),
			want: `signalman.yaml:7: environments.prod.canary.steps: none listed; add at least one step, such as - {weight: 10, pause: 5m}`,
		},
		{
			name: "canary_weight_at_most_100",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps:\n        - {weight: 101, pause: 1m}\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.steps[0].weight: 101 is out of range (want 1 to 100, the percent of traffic)`,
		},
		{
			name: "canary_weights_increase",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps:\n        - {weight: 50, pause: 1m}\n        - {weight: 50, pause: 1m}\n", 1),
			want: `signalman.yaml:11: environments.prod.canary.steps[1].weight: 50 is not above the previous step's 50; weights must increase from step to step`,
		},
		{
			name: "canary_pause_is_positive",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps:\n        - weight: 10\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.steps[0].pause: 0s is not positive (want a duration such as 5m)`,
		},
		{
			name: "canary_confidence_below_1",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      confidence: 1\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.confidence: 1 is out of range (want more than 0 and less than 1, such as 0.98)`,
		},
		{
			name: "canary_confidence_above_0",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      confidence: 0\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.confidence: 0 is out of range (want more than 0 and less than 1, such as 0.98)`,
		},
		{
			name: "canary_marginal_not_above_pass",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      marginal: 90\n      pass: 80\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.marginal: 90 is above pass (80); a marginal score must not be above a passing one`,
		},
		{
			name: "canary_marginal_not_negative",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      marginal: -1\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.marginal: -1 is out of range (want 0 to 100)`,
		},
		{
			name: "canary_pass_at_most_100",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      pass: 101\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.pass: 101 is out of range (want 0 to 100)`,
		},
		{
			name: "canary_decision_timeout_is_positive",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      decision_timeout: 0s\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.decision_timeout: 0s is not positive (want a duration such as 30m)`,
		},
		{
			name: "canary_metrics_not_an_empty_list",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics: []\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.metrics: none listed; list error_rate, latency or both, or leave metrics out to judge both`,
		},
		{
			name: "canary_metric_name_is_known",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: cpu\n", 1),
			want: `signalman.yaml:11: environments.prod.canary.metrics[0].name: "cpu" is not a metric (want error_rate or latency)`,
		},
		{
			name: "canary_metric_judged_once",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: latency\n        - name: latency\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[1].name: "latency" is already judged by metrics[0]; remove one`,
		},
		{
			name: "canary_metric_direction_is_known",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: latency\n          direction: up\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[0].direction: "up" is not a direction (want increase, decrease or either)`,
		},
		{
			name: "canary_metric_weight_is_positive",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: latency\n          weight: 0\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[0].weight: 0 is not positive (want a finite number above 0, such as 1)`,
		},
		{
			name: "canary_metric_weight_is_finite",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: latency\n          weight: .inf\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[0].weight: +Inf is not positive (want a finite number above 0, such as 1)`,
		},
		{
			name: "canary_metric_tolerance_not_negative",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: latency\n          tolerance: -0.1\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[0].tolerance: -0.1 is out of range (want a finite number, 0 or more, such as 0.1)`,
		},
		{
			name: "canary_prometheus_is_an_http_url",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      prometheus: prometheus:9090\n", 1),
			want: `signalman.yaml:10: environments.prod.canary.prometheus: "prometheus:9090" is not an http(s) URL (want one such as http://prometheus:9090)`,
		},
		{
			name: "exception_role_is_an_approvers_role_when_prod_has_a_window",
			file: strings.Replace(base, "prod: {}", "prod: {window: {}}", 1) + "approvers: {qa: [quinn]}\nrelease:\n  exception_role: ops\n",
			want: `signalman.yaml:10: release.exception_role: "ops" is not a role under approvers, but exceptions to the deploy window of prod need one; list people under approvers.ops, or name another role (roles under approvers: qa)`,
		},
		{
			name: "default_exception_role_needs_approvers",
			file: strings.Replace(base, "prod: {}", "prod: {window: {}}", 1),
			want: `signalman.yaml:1: release.exception_role: "sre" is not a role under approvers, but exceptions to the deploy window of prod need one; list people under approvers.sre, or name another role`,
		},
		{
			name: "build_parallelism_in_range",
			file: base + "release:\n  build_parallelism: 0\n",
			want: `signalman.yaml:9: release.build_parallelism: 0 is out of range (want 1 to 32)`,
		},
		{
			name: "ship_delay_not_negative",
			file: base + "release:\n  ship_delay: -5m\n",
			want: `signalman.yaml:9: release.ship_delay: -5m0s is negative (want 0 or more, such as 5m)`,
		},
		{
			name: "manager_names_are_not_empty",
			file: base + "release:\n  managers: [rachel, \" \"]\n",
			want: `signalman.yaml:9: release.managers[1]: empty name; write the person's name or remove the line`,
		},
		{
			name: "slack_channel_is_required",
			file: base + "notifications:\n  slack:\n    token_env: SLACK_TOKEN\n",
			want: `signalman.yaml:9: notifications.slack.channel: missing; name the channel to post to, such as channel: "#releases"`,
		},
		{
			name: "slack_token_env_is_an_env_var_name",
			file: base + "notifications:\n  slack:\n    channel: \"#releases\"\n    token_env: slack-token\n",
			want: `signalman.yaml:11: notifications.slack.token_env: "slack-token" is not an environment variable name (want letters, digits and underscores, not starting with a digit, such as SLACK_BOT_TOKEN)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("signalman.yaml", []byte(claimed(tt.file)))
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", tt.want)
			}
			if p != nil {
				t.Errorf("Parse returned a pipeline with its error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestParseBaseIsValid(t *testing.T) {
	if _, err := Parse("signalman.yaml", []byte(base)); err != nil {
		t.Fatalf("the base of the rule cases must be valid: %v", err)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	p, err := Parse("signalman.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	p.Services[0].Instances = 0
	p.Product = ""
	want := "product: missing; name the product, such as product: shop\n" +
		"services[0].instances: 0 is out of range (want 1 to 20)"
	if err := p.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v\nwant %s", err, want)
	}
}

// TestWaves orders environments: the file's order, after for waves,
// parallel for environments deployed at once, and which are production.
func TestWaves(t *testing.T) {
	file := `product: shop
repository: {url: ./shop}
services:
  - name: api
environments:
  dev: {}
  stage: {signoffs_at: before}
  prod-us: {}
  prod-eu: {after: [stage], parallel: true}
  prod-asia: {after: [prod-us, prod-eu]}
  perf: {after: [dev], production: false}
`
	p, err := Parse("signalman.yaml", []byte(claimed(file)))
	if err != nil {
		t.Fatal(err)
	}
	got := p.Waves()
	want := [][]string{{"dev"}, {"stage"}, {"prod-us", "prod-eu"}, {"prod-asia"}, {"perf"}}
	if len(got) != len(want) {
		t.Fatalf("waves %v, want %v", got, want)
	}
	for i := range want {
		if strings.Join(got[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("wave %d is %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
	if prod := strings.Join(p.Production(), ","); prod != "prod-us,prod-eu,prod-asia" {
		t.Errorf("production %s", prod)
	}
	if p.WindowOf("prod-eu") == nil || p.WindowOf("dev") != nil || p.Environments["prod-asia"].OnFailure != RollbackRelease || p.Environments["perf"].OnFailure != ContinueRelease {
		t.Error("production environments do not get production's defaults (window, on_failure), or others do")
	}
	if p.SignoffsAfterDeploy("stage") {
		t.Error("signoffs_at: before on stage is not honoured")
	}
	classic, err := Parse("signalman.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if w := classic.Waves(); len(w) != 2 || w[0][0] != Stage || w[1][0] != Prod || !classic.SignoffsAfterDeploy(Stage) || classic.SignoffsAfterDeploy(Prod) {
		t.Errorf("the classic pipeline's waves %v: want stage (signed off after), then prod (approved before)", w)
	}
}

func TestFollowersAreNotOnTheReleasesWay(t *testing.T) {
	p, err := Parse("signalman.yaml", []byte(strings.Replace(base, "environments:\n", "environments:\n  dev: {follow: main}\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.EnvNames(), ","); got != "stage,prod" {
		t.Errorf("a release goes through %s, want stage,prod (dev follows main)", got)
	}
	if got := strings.Join(p.Followers(), ","); got != "dev" {
		t.Errorf("followers %s, want dev", got)
	}
}
