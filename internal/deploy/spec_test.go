package deploy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestSpecChecked(t *testing.T) {
	valid := Spec{Product: "shop", Env: "prod", Service: "auth-server", Image: "127.0.0.1:5000/shop/auth@" + testDigest, Deployment: "v1.101.0/canary"}
	t.Run("zero_fields_get_defaults", func(t *testing.T) {
		got, ref, err := valid.checked()
		if err != nil {
			t.Fatal(err)
		}
		if got.Instances != 1 || got.Health != DefaultHealth || got.HealthTimeout != DefaultHealthTimeout || got.HealthInterval != DefaultHealthInterval {
			t.Errorf("defaults not applied: %+v", got)
		}
		if ref.DigestStr() != testDigest {
			t.Errorf("digest %s, want %s", ref.DigestStr(), testDigest)
		}
	})
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"image_by_tag", func(s *Spec) { s.Image = "127.0.0.1:5000/shop/auth:v1.101.0" }, "not addressed by digest"},
		{"sha512_digest", func(s *Spec) { s.Image = "shop/auth@sha512:" + strings.Repeat("ab", 64) }, "unsupported digest algorithm"},
		{"no_deployment", func(s *Spec) { s.Deployment = "" }, "deployment is empty"},
		{"product_climbing_out", func(s *Spec) { s.Product = ".." }, `product ".."`},
		{"env_with_a_slash", func(s *Spec) { s.Env = "prod/eu" }, `env "prod/eu"`},
		{"no_service", func(s *Spec) { s.Service = "" }, `service ""`},
		{"negative_instances", func(s *Spec) { s.Instances = -1 }, "instances is -1"},
		{"health_path_without_slash", func(s *Spec) { s.Health = "healthz" }, "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid
			tt.change(&s)
			_, _, err := s.checked()
			if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("checked() = %v, want ErrInvalidSpec saying %q", err, tt.want)
			}
		})
	}
}

func TestInstanceIDs(t *testing.T) {
	s := Spec{Product: "shop", Env: "prod", Service: "web", Deployment: "v1.101.0/canary"}
	ref, err := digestRef("registry.example.com/shop/web@" + testDigest)
	if err != nil {
		t.Fatal(err)
	}
	first := s.instance(ref, 0).ID
	if !strings.HasPrefix(first, "web-v1.101.0-canary-") || !strings.HasSuffix(first, "-0") || !idRE.MatchString(first) {
		t.Errorf("id %q: want web-v1.101.0-canary-<hash>-0", first)
	}
	if again := s.instance(ref, 0).ID; again != first {
		t.Errorf("ids differ between calls: %q, %q", first, again)
	}
	var all []string
	for _, change := range []func(*Spec){
		func(*Spec) {},
		func(s *Spec) { s.Deployment = "v1.101.0-canary" }, // same slug
		func(s *Spec) { s.Env = "stage" },
		func(s *Spec) { s.Product = "blog" },
	} {
		c := s
		change(&c)
		all = append(all, c.instance(ref, 0).ID, c.instance(ref, 1).ID)
	}
	slices.Sort(all)
	if len(slices.Compact(all)) != 8 {
		t.Errorf("ids collide: %v", all)
	}
}

func TestServiceEnv(t *testing.T) {
	got := serviceEnv(map[string]string{"PORT": "1", "B": "2", "A": "1", "HOST": "example.com"}, "0.0.0.0", "8080")
	want := []string{"A=1", "B=2", "HOST=0.0.0.0", "PORT=8080"}
	if !slices.Equal(got, want) {
		t.Errorf("serviceEnv = %q, want %q", got, want)
	}
}
