package config

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/window"
)

func TestLoadExample(t *testing.T) {
	p, err := Load("testdata/signalman.yaml")
	if err != nil {
		t.Fatalf("the example file must load: %v", err)
	}
	if p.Product != "shop" {
		t.Errorf("Product = %q, want shop", p.Product)
	}
	var names []string
	for _, s := range p.OrderedServices() {
		names = append(names, s.Name)
	}
	if want := []string{"auth-server", "api", "content-server"}; !slices.Equal(names, want) {
		t.Errorf("OrderedServices = %v, want %v", names, want)
	}
	if cs, _ := p.Service("content-server"); cs.Build.Kind != BuildDockerfile || cs.Instances != 1 || cs.Smoke[0].Status != 200 {
		t.Errorf("content-server = %+v, want kind dockerfile, 1 instance, smoke status 200", cs)
	}
	if ms := p.MigrationsBefore("api"); len(ms) != 1 || ms[0].Name != "add-orders-index" {
		t.Errorf("MigrationsBefore(api) = %+v, want add-orders-index", ms)
	}
	prod := p.Environments[Prod]
	wantWindow := window.Spec{
		Days:     []string{"mon", "tue", "wed", "thu"},
		Start:    "08:00",
		End:      "16:00",
		TimeZone: "America/New_York",
		Holidays: []string{"2026-11-26", "2026-12-25"},
		Freezes:  []window.Freeze{{From: "2026-12-21", To: "2027-01-02", Reason: "year-end freeze"}},
	}
	if prod.Window == nil || !reflect.DeepEqual(*prod.Window, wantWindow) {
		t.Errorf("prod window = %+v, want %+v", prod.Window, wantWindow)
	}
	if got, want := prod.Canary.Steps, []CanaryStep{{10, 10 * time.Minute}, {50, 20 * time.Minute}}; !slices.Equal(got, want) {
		t.Errorf("prod canary steps = %v, want %v", got, want)
	}
	if got, want := p.Environments[Stage].Signoffs, []Signoff{{Role: "qa", Count: 1, ValidFor: 96 * time.Hour}}; !slices.Equal(got, want) {
		t.Errorf("stage signoffs = %v, want %v", got, want)
	}
	if got, want := prod.Signoffs, []Signoff{{Role: "sre", Count: 1, ValidFor: 96 * time.Hour}}; !slices.Equal(got, want) {
		t.Errorf("prod signoffs = %v, want %v", got, want)
	}
	wantApprovers := map[string][]string{"qa": {"quinn", "quentin"}, "sre": {"sam", "sasha"}}
	if !reflect.DeepEqual(p.Approvers, wantApprovers) {
		t.Errorf("Approvers = %v, want %v", p.Approvers, wantApprovers)
	}
}

// TestLoadExampleSetsEveryField keeps the example complete: every field of
// the schema is set to something other than its zero value somewhere.
func TestLoadExampleSetsEveryField(t *testing.T) {
	p, err := Load("testdata/signalman.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set := make(map[string]bool)
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				p := path + "." + f.Name
				if !v.Field(i).IsZero() {
					set[p] = true
				}
				walk(v.Field(i), p)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), path)
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k), path)
			}
		}
	}
	walk(reflect.ValueOf(p), "Pipeline")
	var every func(t reflect.Type, path string)
	every = func(typ reflect.Type, path string) {
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			every(typ.Elem(), path)
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				p := path + "." + f.Name
				if f.Tag.Get("yaml") == "-" {
					continue // written another way (window: always)
				}
				if !set[p] {
					t.Errorf("the example file leaves %s unset", p)
				}
				every(f.Type, p)
			}
		}
	}
	every(reflect.TypeFor[Pipeline](), "Pipeline")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nothing-here.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want an error wrapping fs.ErrNotExist", err)
	}
}

func TestParseAppliesDefaults(t *testing.T) {
	file := `product: shop
repository:
  url: ./shop
services:
  - name: api
    smoke:
      - path: /
  - name: web
    build: {kind: dockerfile}
environments:
  stage:
    signoffs: [{role: qa}]
  prod:
    window: {}
    canary:
      steps: [{weight: 10, pause: 1m}]
approvers:
  qa: [quinn]
  sre: [sam]
notifications:
  slack: {channel: "#releases"}
`
	got, err := Parse("signalman.yaml", []byte(claimed(file)))
	if err != nil {
		t.Fatal(err)
	}
	health := Health{Path: "/healthz", Timeout: 60 * time.Second, Interval: time.Second}
	want := &Pipeline{
		Product:    "shop",
		Repository: Repository{URL: "./shop", MainBranch: "main"},
		Versioning: Versioning{Major: 1},
		Tests:      Tests{Timeout: 30 * time.Minute},
		Services: []Service{
			{
				Name:      "api",
				Build:     Build{Kind: "go", Context: ".", Package: "."},
				Instances: 1,
				Health:    health,
				Smoke:     []Smoke{{Path: "/", Status: 200}},
			},
			{
				Name:      "web",
				Build:     Build{Kind: "dockerfile", Context: ".", Dockerfile: "Dockerfile"},
				Instances: 1,
				Health:    health,
			},
		},
		Environments: map[string]Environment{
			Stage: {Target: "process", OnFailure: "continue", Order: "configured", Signoffs: []Signoff{{Role: "qa", Count: 1, ValidFor: 96 * time.Hour}}},
			Prod: {
				Target:    "process",
				Window:    &window.Spec{},
				OnFailure: "rollback-release",
				Order:     "configured",
				Bake:      10 * time.Minute,
				Canary: &Canary{
					Steps:           []CanaryStep{{Weight: 10, Pause: time.Minute}},
					Confidence:      0.98,
					Marginal:        75,
					Pass:            95,
					DecisionTimeout: 30 * time.Minute,
					Metrics: []CanaryMetric{
						{Name: "error_rate", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.001, Critical: ptr(true)},
						{Name: "latency", Direction: "increase", Weight: 1, Tolerance: 0.1, AbsTolerance: 0.005, Critical: ptr(false)},
					},
				},
			},
		},
		Order:     []string{Stage, Prod},
		Retention: Retention{Releases: 10, Checkouts: 168 * time.Hour, Every: 24 * time.Hour},
		Approvers: map[string][]string{"qa": {"quinn"}, "sre": {"sam"}},
		Auth:      AuthClaimed,
		Permissions: map[string][]string{
			ActAbort: {WhoTrigger, WhoManagers, "sre"}, ActDecide: {WhoTrigger, WhoManagers}, ActOverrideWindow: {"sre"},
			ActRollback: {"sre", WhoOncall}, ActFreeze: {"sre", WhoManagers}, ActUnfreeze: {"sre", WhoManagers},
			ActAllowVulnerabilities: {"sre"},
		},
		Release:       Release{ShipDelay: 5 * time.Minute, DotGather: 15 * time.Minute, BuildParallelism: 4, ExceptionRole: "sre"},
		Notifications: Notifications{Slack: &Slack{Channel: "#releases", TokenEnv: "SLACK_BOT_TOKEN"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse with defaults\n got: %+v\nwant: %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestParseCanaryMetricCritical checks that the error rate is critical
// unless the file says otherwise, and latency only when it says so.
func TestParseCanaryMetricCritical(t *testing.T) {
	tests := []struct {
		name    string
		metrics string // the canary's metrics, or "" to leave them out
		want    map[string]bool
	}{
		{name: "default_metrics_make_error_rate_critical", want: map[string]bool{"error_rate": true, "latency": false}},
		{
			name:    "omitted_critical_takes_the_metrics_default",
			metrics: "[{name: error_rate}, {name: latency}]",
			want:    map[string]bool{"error_rate": true, "latency": false},
		},
		{
			name:    "explicit_false_on_error_rate_is_kept",
			metrics: "[{name: error_rate, critical: false}, {name: latency}]",
			want:    map[string]bool{"error_rate": false, "latency": false},
		},
		{
			name:    "explicit_true_on_latency_is_kept",
			metrics: "[{name: latency, critical: true}]",
			want:    map[string]bool{"latency": true},
		},
		{
			name:    "null_takes_the_default",
			metrics: "[{name: error_rate, critical: ~}]",
			want:    map[string]bool{"error_rate": true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary := "{steps: [{weight: 10, pause: 1m}]}"
			if tt.metrics != "" {
				canary = "{steps: [{weight: 10, pause: 1m}], metrics: " + tt.metrics + "}"
			}
			p, err := Parse("signalman.yaml", []byte(strings.Replace(base, "prod: {}", "prod: {canary: "+canary+"}", 1)))
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string]bool)
			for _, m := range p.Environments[Prod].Canary.Metrics {
				if m.Critical == nil {
					t.Fatalf("metrics %s: critical left unset after defaults", m.Name)
				}
				got[m.Name] = *m.Critical
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("critical = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCanaryMetricIsCriticalWhenUnset(t *testing.T) {
	tests := []struct {
		name string
		m    CanaryMetric
		want bool
	}{
		{"unset_error_rate_is_critical", CanaryMetric{Name: MetricErrorRate}, true},
		{"unset_latency_is_not", CanaryMetric{Name: MetricLatency}, false},
		{"explicit_false_on_error_rate_wins", CanaryMetric{Name: MetricErrorRate, Critical: ptr(false)}, false},
		{"explicit_true_on_latency_wins", CanaryMetric{Name: MetricLatency, Critical: ptr(true)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.IsCritical(); got != tt.want {
				t.Errorf("IsCritical() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseDefaultsGitHubTokenEnv(t *testing.T) {
	tests := []struct {
		name, repository, want string
	}{
		{name: "github_reads_GITHUB_TOKEN", repository: "{url: ./shop, github: acme/shop}", want: "GITHUB_TOKEN"},
		{name: "named_variable_is_kept", repository: "{url: ./shop, github: acme/shop, github_token_env: SHOP_GH_TOKEN}", want: "SHOP_GH_TOKEN"},
		{name: "no_github_needs_no_token", repository: "{url: ./shop}", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("signalman.yaml", []byte(strings.Replace(base, "{url: ./shop}", tt.repository, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if p.Repository.GitHubTokenEnv != tt.want {
				t.Errorf("repository.github_token_env = %q, want %q", p.Repository.GitHubTokenEnv, tt.want)
			}
		})
	}
}

// TestParseKeepsExplicitValues checks that defaults fill only what the file
// leaves out: a zero written in the file is kept.
func TestParseKeepsExplicitValues(t *testing.T) {
	file := base + "versioning: {major: 0}\nrelease: {ship_delay: 0s}\n"
	p, err := Parse("signalman.yaml", []byte(claimed(file)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Versioning.Major != 0 {
		t.Errorf("versioning.major = %d, want the 0 written in the file", p.Versioning.Major)
	}
	if p.Release.ShipDelay != 0 {
		t.Errorf("release.ship_delay = %v, want the 0s written in the file", p.Release.ShipDelay)
	}
}

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	file := `product: shop
repository: {url: ./shop}
services:
  - &svc
    name: api
    instances: 2
    health: {path: /ready}
  - <<: *svc
    name: web
environments:
  stage: {}
  prod: {}
`
	p, err := Parse("signalman.yaml", []byte(claimed(file)))
	if err != nil {
		t.Fatal(err)
	}
	web, ok := p.Service("web")
	if !ok || web.Instances != 2 || web.Health.Path != "/ready" {
		t.Errorf("web = %+v, want instances 2 and health path /ready merged from api", web)
	}
}

// TestParseFileErrors covers problems found before the rules: YAML syntax,
// unknown fields and values of the wrong type.
func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		want string
	}{
		{
			name: "misspelt_field_gets_a_suggestion",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    buidl: {kind: go}\n", 1),
			want: `signalman.yaml:5: services[0].buidl: unknown field (did you mean "build"?)`,
		},
		{
			name: "field_in_another_case_gets_a_suggestion",
			file: strings.Replace(base, "{url: ./shop}", "{url: ./shop, mainBranch: trunk}", 1),
			want: `signalman.yaml:2: repository.mainBranch: unknown field (did you mean "main_branch"?)`,
		},
		{
			name: "unknown_field_lists_the_known_ones",
			file: base + "owner: platform-team\n",
			want: `signalman.yaml:8: owner: unknown field; the top level has product, repository, versioning, tests, services, migrations, assets, environments, approvers, auth, people, permissions, oncall, allowed_signers, release, notifications, retention, security`,
		},
		{
			name: "unknown_window_field",
			file: strings.Replace(base, "prod: {}", "prod: {window: {zone: UTC}}", 1) + "approvers: {sre: [sam]}\n",
			want: `signalman.yaml:7: environments.prod.window.zone: unknown field; environments.prod.window has days, start, end, timezone, holidays, freezes`,
		},
		{
			name: "field_set_twice",
			file: base + "product: shop\n",
			want: `signalman.yaml:8: product: set twice (first on line 1); keep one`,
		},
		{
			name: "bad_duration",
			file: base + "tests: {timeout: 30}\n",
			want: `signalman.yaml:8: tests.timeout: "30" is not a duration (want a number with a unit, such as 90s, 30m or 1h30m)`,
		},
		{
			name: "bad_whole_number",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    port: http\n", 1),
			want: `signalman.yaml:5: services[0].port: "http" is not a whole number`,
		},
		{
			name: "bad_number",
			file: strings.Replace(base, "prod: {}", "prod: {canary: {steps: [{weight: 10, pause: 1m}], pass: high}}", 1),
			want: `signalman.yaml:7: environments.prod.canary.pass: "high" is not a number`,
		},
		{
			name: "bad_bool",
			file: base + "tests: {github_checks: sometimes}\n",
			want: `signalman.yaml:8: tests.github_checks: "sometimes" is not true or false`,
		},
		{
			name: "bad_critical",
			file: strings.Replace(base, "  prod: {}\n", "  prod:\n    canary:\n      steps: [{weight: 10, pause: 1m}]\n      metrics:\n        - name: error_rate\n          critical: always\n", 1),
			want: `signalman.yaml:12: environments.prod.canary.metrics[0].critical: "always" is not true or false`,
		},
		{
			name: "critical_as_a_list",
			file: strings.Replace(base, "prod: {}", "prod: {canary: {steps: [{weight: 10, pause: 1m}], metrics: [{name: latency, critical: [yes]}]}}", 1),
			want: `signalman.yaml:7: environments.prod.canary.metrics[0].critical: got a list, want a single value`,
		},
		{
			name: "mapping_where_a_list_belongs",
			file: strings.Replace(base, "  - name: api\n", "  name: api\n", 1),
			want: `signalman.yaml:3: services: got a mapping, want a list (one item a line, each starting with "- ")`,
		},
		{
			name: "list_where_a_mapping_belongs",
			file: strings.Replace(base, "{url: ./shop}", "[./shop]", 1),
			want: `signalman.yaml:2: repository: got a list, want a mapping of fields (name: value)`,
		},
		{
			name: "list_where_a_value_belongs",
			file: strings.Replace(base, "product: shop", "product: [shop]", 1),
			want: `signalman.yaml:1: product: got a list, want a single value`,
		},
		{
			name: "syntax_error",
			file: "product: shop\nrepository:\n  url: ./shop\n   main_branch: main\n",
			want: `signalman.yaml:4: mapping values are not allowed in this context`,
		},
		{
			name: "tab_indent",
			file: "product: shop\nrepository:\n\turl: ./shop\n",
			want: `signalman.yaml:3: found character that cannot start any token (a tab is on this line: YAML indents with spaces only)`,
		},
		{
			name: "unknown_anchor",
			file: base + "approvers: *people\n",
			want: `signalman.yaml:8: alias *people names no anchor; define &people before it is used`,
		},
		{
			name: "empty_file",
			file: "# nothing yet\n",
			want: `signalman.yaml:1: the file is empty; it needs at least product, repository, services and environments`,
		},
		{
			name: "empty_document",
			file: "---\n",
			want: `signalman.yaml:1: the file is empty; it needs at least product, repository, services and environments`,
		},
		{
			name: "number_too_large",
			file: strings.Replace(base, "  - name: api\n", "  - name: api\n    port: 99999999999999999999\n", 1),
			want: `signalman.yaml:5: services[0].port: 99999999999999999999 is out of range`,
		},
		{
			name: "top_level_not_a_mapping",
			file: "- product: shop\n",
			want: `signalman.yaml:1: the top level is not a mapping; start the file with fields such as product: shop`,
		},
		{
			name: "second_document",
			file: base + "---\nproduct: other\n",
			want: `signalman.yaml:8: a second YAML document starts here; keep the pipeline in one document (remove the "---" line and what follows, or merge them)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("signalman.yaml", []byte(claimed(tt.file)))
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestParseBoundsAliasExpansion(t *testing.T) {
	// 400 roles of the same 400 people: 160,000 values from a 7 kB file.
	var b strings.Builder
	b.WriteString(base + "release:\n  managers: &people [")
	for i := range 400 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "p%d", i)
	}
	b.WriteString("]\napprovers:\n")
	for i := range 400 {
		fmt.Fprintf(&b, "  r%d: *people\n", i)
	}
	_, err := Parse("signalman.yaml", []byte(claimed(b.String())))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Msg, "too many values once aliases are expanded") {
		t.Errorf("Parse of an alias bomb = %v, want one problem: too many values", err)
	}
}

func TestParseReportsAllProblemsByLine(t *testing.T) {
	file := `product: Shop
repository:
  url: ./shop
services:
  - name: api
    instances: many
    buidl: {}
  - name: api
environments:
  stage: {target: k8s}
  Dev: {}
`
	want := strings.Join([]string{
		`signalman.yaml:1: product: "Shop" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
		`signalman.yaml:6: services[0].instances: "many" is not a whole number`,
		`signalman.yaml:7: services[0].buidl: unknown field (did you mean "build"?)`,
		`signalman.yaml:8: services[1].name: "api" is already the name of services[0]; service names must be unique`,
		`signalman.yaml:10: environments.stage.target: "k8s" is not a target (want process, docker or script)`,
		`signalman.yaml:11: environments.Dev: "Dev" is not a valid name (want lowercase letters, digits and dashes, at most 40 characters, not starting or ending with a dash)`,
	}, "\n")
	_, err := Parse("signalman.yaml", []byte(claimed(file)))
	if err == nil {
		t.Fatal("Parse succeeded, want errors")
	}
	if got := err.Error(); got != want {
		t.Errorf("Parse errors\n got:\n%s\nwant:\n%s", got, want)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 6 {
		t.Fatalf("errors.As(Errors) = %v, want 6 problems", errs)
	}
	var first *Error
	if !errors.As(err, &first) || first.Line != 1 || first.Field != "product" || first.File != "signalman.yaml" {
		t.Errorf("errors.As(*Error) = %+v, want the product problem on line 1", first)
	}
}
