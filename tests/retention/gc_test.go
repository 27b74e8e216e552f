package retention

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

// TestGC_after_twelve_releases_keeps_what_the_policy_says releases the
// example product's api twelve times to stage and prod with the default
// retention (the latest ten releases), then collects garbage: a dry run
// removes nothing; the real one deletes exactly v1.1.0 and v1.2.0 (their
// images, signatures and attestations in the registry, their unpacked
// images on the deployers), every kept image still verifies with cosign,
// and a rollback of prod to the release before still works.
func TestGC_after_twelve_releases_keeps_what_the_policy_says(t *testing.T) {
	repo, remote_, _ := e2e.ExampleRepo(t, nil)
	config := e2e.WritePipeline(t, e2e.ShopPipeline(remote_, "api")+`environments:
  stage: {target: process}
  prod: {window: always, target: process}
release:
  ship_delay: 0s
`)
	stk := e2e.NewStack(t)
	e2e.StartWorker(t, stk)

	releases := map[string]workflows.Status{}
	for i := 1; i <= 12; i++ {
		v := fmt.Sprintf("v1.%d.0", i)
		if i > 1 {
			repo.WriteCommit(t, "feat: "+v, map[string]string{"CHANGELOG": v + "\n"})
			repo.Git(t, "push", "--quiet", "origin", "main")
		}
		e2e.MustCLI(t, stk.Srv.Addr, "release", "start", v, "--config", config, "--as", "rita")
		st := e2e.WaitFinished(t, stk, v)
		if st.State != workflows.Succeeded {
			t.Fatalf("%s: %s: %s", v, st.State, st.Error)
		}
		releases[v] = st
	}
	gc := func(args ...string) workflows.GCResult {
		t.Helper()
		out := e2e.MustCLI(t, stk.Srv.Addr, append([]string{"gc", "-c", config, "-o", "json"}, args...)...)
		var res workflows.GCResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("gc -o json: %v: %s", err, out)
		}
		return res
	}
	gone := []string{"v1.2.0", "v1.1.0"}

	// The first release made the product's gc schedule.
	c, err := client.Dial(client.Options{HostPort: stk.Srv.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.ScheduleClient().GetHandle(context.Background(), control.GCScheduleID("shop")).Describe(context.Background())
	if err != nil {
		t.Fatalf("the releases made no gc schedule: %v", err)
	}
	if iv := desc.Schedule.Spec.Intervals; len(iv) != 1 || iv[0].Every != 24*time.Hour {
		t.Errorf("gc schedule intervals %+v, want every 24h", iv)
	}
	if a, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction); !ok || a.Workflow != "GCWorkflow" {
		t.Errorf("gc schedule action %+v, want GCWorkflow", desc.Schedule.Action)
	}

	dry := gc("--dry-run")
	if !slices.Equal(dry.Dropped, gone) {
		t.Errorf("dry run drops %v, want %v", dry.Dropped, gone)
	}
	for _, v := range gone {
		checkImage(t, stk, releases[v], true)
	}
	if len(dry.Pruned["registry"].Removed) == 0 {
		t.Errorf("the dry run says it would remove nothing from the registry: %+v", dry.Pruned)
	}

	res := gc()
	if !slices.Equal(res.Dropped, gone) || len(res.Failed) > 0 {
		t.Fatalf("gc dropped %v (failed %v), want %v", res.Dropped, res.Failed, gone)
	}
	t.Logf("gc freed %d bytes; kept %v", res.Bytes, res.Kept)
	for v, st := range releases {
		dropped := slices.Contains(gone, v)
		checkImage(t, stk, st, !dropped)
		for _, a := range st.Artifacts {
			unpacked := filepath.Join(stk.Data, "deploy", "images", strings.TrimPrefix(a.Digest, "sha256:"))
			if _, err := os.Stat(unpacked); dropped == (err == nil) {
				t.Errorf("%s's unpacked image %s: present %t after gc, want %t", v, a.Digest, err == nil, !dropped)
			}
		}
	}
	if res.Bytes <= 0 {
		t.Errorf("gc says it freed %d bytes", res.Bytes)
	}
	// The registry freed the blobs of the images deleted.
	if notes := strings.Join(res.Pruned["registry"].Notes, "; "); !strings.Contains(notes, "blob(s) freed") || strings.Contains(notes, ": 0 blob(s) freed") {
		t.Errorf("registry notes %q: want its blobs freed", notes)
	}
	// Nothing left to drop: a second gc removes nothing.
	if again := gc(); len(again.Dropped) != 0 {
		t.Errorf("a second gc drops %v", again.Dropped)
	}

	out := e2e.MustCLI(t, stk.Srv.Addr, "rollback", "shop", "--env", "prod", "-c", config, "--reason", "after gc", "--as", "oncall")
	if !strings.Contains(out, "rolled back from v1.12.0 to v1.11.0") {
		t.Errorf("rollback after gc printed %q", out)
	}
	if got := e2e.Serving(t, stk, "prod", "api"); got != "api v1.11.0" {
		t.Errorf("prod api serves %q after the rollback, want v1.11.0", got)
	}
}

// checkImage checks that a release's images are in the registry, with
// signatures cosign verifies, or (present false) gone with their
// signatures.
func checkImage(t *testing.T, stk *e2e.Stack, st workflows.Status, present bool) {
	t.Helper()
	// The deployers' own verification (cosign's), run as the activity.
	verify := e2e.Verifier(t, filepath.Join(stk.Keys, "cosign.pub"))
	for _, a := range st.Artifacts {
		ref, err := name.NewDigest(a.Ref(), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		_, herr := remote.Head(ref)
		sig := ref.Context().Tag("sha256-" + strings.TrimPrefix(a.Digest, "sha256:") + ".sig")
		_, serr := remote.Head(sig)
		if !present {
			if herr == nil || serr == nil {
				t.Errorf("%s %s: image (%v) or signature (%v) still in the registry after gc", st.Version, a.Ref(), herr, serr)
			}
			continue
		}
		if herr != nil {
			t.Errorf("%s %s is gone from the registry: %v", st.Version, a.Ref(), herr)
			continue
		}
		if err := verify(contract.VerifyRequest{Product: "shop", Version: st.Version, Commit: st.Commit, Artifact: a}); err != nil {
			t.Errorf("cosign no longer verifies %s %s: %v", st.Version, a.Ref(), err)
		}
	}
}
