package contract

import (
	"strings"
	"testing"
)

func TestChanges(t *testing.T) {
	running := map[string]Running{
		"api":    {Service: "api", Version: "v1.100.0", Artifact: Artifact{Digest: "sha256:aaaa"}},
		"web":    {Service: "web", Version: "v1.101.0", Artifact: Artifact{Digest: "sha256:bbbb"}},
		"search": {Service: "search", Version: "v1.102.0", Artifact: Artifact{Digest: "sha256:cccc"}},
	}
	arts := []Artifact{{Service: "api", Digest: "sha256:dddd"}, {Service: "web", Digest: "sha256:bbbb"}, {Service: "search", Digest: "sha256:eeee"}, {Service: "auth", Digest: "sha256:ffff"}}
	got := Changes(running, "v1.101.0", arts, []string{"auth", "api", "web", "search"})
	want := []string{"auth new", "api update v1.100.0", "web same v1.101.0", "search downgrade v1.102.0"}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for i, c := range got {
		if s := strings.TrimSpace(c.Service + " " + c.Change + " " + c.From); s != want[i] {
			t.Errorf("change %d is %q, want %q", i, s, want[i])
		}
	}
	if o := Oldest(got); o != "v1.100.0" {
		t.Errorf("oldest running %q, want v1.100.0", o)
	}
	pv := Preview{Product: "shop", Version: "v1.101.0", Env: "prod", Services: got, Migrations: []string{"m1, before api"}, Since: "v1.100.0", Commits: 3}
	if s := pv.Summary(); s != "3 service(s) change (auth new, api v1.100.0 -> v1.101.0, search v1.102.0 -> v1.101.0), 1 migration(s), 3 commit(s) since v1.100.0" {
		t.Errorf("summary %q", s)
	}
	text := pv.Text()
	for _, line := range []string{"auth             new          -> v1.101.0 ffff", "api              update       v1.100.0 aaaa -> v1.101.0 dddd", "web              unchanged    v1.101.0 bbbb", "migration m1, before api"} {
		if !strings.Contains(text, line) {
			t.Errorf("preview text\n%s\nlacks %q", text, line)
		}
	}
}
