package contract

import (
	"fmt"
	"slices"
	"testing"
)

func TestRetain(t *testing.T) {
	art := func(v string) []Artifact {
		return []Artifact{{Service: "api", Image: "r/shop/api", Digest: "sha256:" + v}}
	}
	var releases []ReleaseImages
	for i := 1; i <= 14; i++ {
		v := fmt.Sprintf("v1.%d.0", i)
		releases = append(releases, ReleaseImages{Version: v, Succeeded: i != 13, Artifacts: art(v)})
	}
	// v1.14.0 is under way; v1.13.0 failed; prod runs v1.12.0 and stage
	// v1.2.0 (an old rollback left it there); v1.3.0 shares its image
	// with v1.12.0.
	releases[13].Running, releases[13].Succeeded = true, false
	releases[2].Artifacts = art("v1.12.0")
	envs := []EnvState{
		{Env: "prod", Running: map[string]Running{"api": {Version: "v1.12.0", Artifact: art("v1.12.0")[0]}}},
		{Env: "stage", Running: map[string]Running{"api": {Version: "v1.2.0", Artifact: art("v1.2.0")[0]}}},
	}
	kept, dropped := Retain(releases, envs, 3)
	why := map[string]string{}
	for _, k := range kept {
		why[k.Version] = k.Why
	}
	want := map[string]string{
		"v1.14.0": "under way",
		"v1.13.0": "one of the latest releases",
		"v1.12.0": "runs in prod",
		"v1.11.0": "a rollback of prod returns to it",
		"v1.2.0":  "runs in stage",
		"v1.1.0":  "a rollback of stage returns to it",
		"v1.3.0":  "runs in an environment",
	}
	for v, w := range want {
		if why[v] != w {
			t.Errorf("%s kept because %q, want %q", v, why[v], w)
		}
	}
	if len(kept) != len(want) {
		t.Errorf("kept %v, want exactly %v", kept, want)
	}
	var gone []string
	for _, d := range dropped {
		gone = append(gone, d.Version)
		if len(d.Artifacts) != 1 || d.Artifacts[0].Digest != "sha256:"+d.Version {
			t.Errorf("dropped %s with images %v", d.Version, d.Artifacts)
		}
	}
	if !slices.Equal(gone, []string{"v1.10.0", "v1.9.0", "v1.8.0", "v1.7.0", "v1.6.0", "v1.5.0", "v1.4.0"}) {
		t.Errorf("dropped %v", gone)
	}
}
