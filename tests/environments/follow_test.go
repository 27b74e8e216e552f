package environments

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	registry "github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// TestFollow_main_reaches_dev_without_a_tag has dev follow the main
// branch: the commit main is at, then a new one, are each built, signed
// with the follow key and deployed to dev, named by commit, with no tag
// made; prod's verify keys (the release key) refuse that image, dev's
// accept it.
func TestFollow_main_reaches_dev_without_a_tag(t *testing.T) {
	repo, remote, first := e2e.ExampleRepo(t, nil)
	stk := e2e.NewStack(t)
	followPub := e2e.FollowKeys(t, stk)
	releasePub := filepath.Join(stk.Keys, "cosign.pub")
	stk.WorkerArgs = append(stk.WorkerArgs, "--environments", "dev,stage,prod")
	e2e.StartWorker(t, stk)
	config := e2e.WritePipeline(t, e2e.ShopPipeline(remote, "api")+`environments:
  dev:
    follow: main
    target: process
    verify_keys: [`+followPub+`]
  stage:
    target: process
  prod:
    window: always
    target: process
    verify_keys: [`+releasePub+`]
release:
  ship_delay: 0s
retention:
  releases: 1
`)
	out := e2e.MustCLI(t, stk.Srv.Addr, "follow", "-c", config)
	if !strings.Contains(out, "dev of shop follows main") {
		t.Errorf("follow printed %q", out)
	}
	serves := func(commit string) {
		t.Helper()
		want := "api " + workflows.FollowVersion("main", commit)
		e2e.Eventually(t, 4*time.Minute, "dev serves "+want, func() (bool, string) {
			if _, err := os.Stat(filepath.Join(stk.Data, "routers", "shop", "dev", "api", "router.json")); err != nil {
				return false, "no router yet"
			}
			got := e2e.Serving(t, stk, "dev", "api")
			return got == want, got
		})
	}
	serves(first)
	next := repo.WriteCommit(t, "feat: faster product list", map[string]string{"CHANGELOG": "faster\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	serves(next)

	if tags := strings.TrimSpace(repo.Git(t, "ls-remote", "--tags", "origin")); tags != "" {
		t.Errorf("following main made tags:\n%s", tags)
	}
	// The router serves the new version a moment before the follow
	// workflow records the deploy as done.
	var last workflows.FollowDeploy
	var sts []workflows.FollowStatus
	e2e.Eventually(t, 30*time.Second, "the follow workflow records "+next[:7], func() (bool, string) {
		sts = nil
		if err := json.Unmarshal([]byte(e2e.MustCLI(t, stk.Srv.Addr, "follow", "-c", config, "-o", "json")), &sts); err != nil || len(sts) != 1 {
			t.Fatalf("follow -o json: %v %+v", err, sts)
		}
		if len(sts[0].Recent) == 0 {
			return false, "no deploys recorded"
		}
		last = sts[0].Recent[len(sts[0].Recent)-1]
		return last.Commit == next && last.Outcome == workflows.Deployed, fmt.Sprintf("%+v", last)
	})
	if len(last.Artifacts) != 1 {
		t.Fatalf("the last follow deploy is %+v, want one image", last)
	}
	out = e2e.MustCLI(t, stk.Srv.Addr, "running", "--product", "shop", "--env", "dev")
	if !strings.Contains(out, workflows.FollowVersion("main", next)) {
		t.Errorf("running --env dev does not show the followed commit:\n%s", out)
	}

	// The deployers' own check, as prod and dev make it.
	verify := e2e.Verifier(t, releasePub, followPub)
	keyOf := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	req := contract.VerifyRequest{Product: "shop", Version: last.Version, Commit: last.Commit, Artifact: last.Artifacts[0]}
	req.Keys = []string{keyOf(releasePub)}
	if err := verify(req); err == nil {
		t.Error("prod's verify keys accept an image built from main")
	} else {
		t.Logf("prod refuses it: %v", err)
	}
	req.Keys = []string{keyOf(followPub)}
	if err := verify(req); err != nil {
		t.Errorf("dev's verify keys refuse its own image: %v", err)
	}
	e2e.SaveHistory(t, stk.Srv.Addr, workflows.FollowID("shop", "dev"), "follow")

	// gc keeps the latest follow build (retention.releases: 1), which is
	// also what runs, and prunes the one before it everywhere.
	old := sts[0].Recent[0]
	if old.Commit != first || len(old.Artifacts) != 1 {
		t.Fatalf("the first follow deploy is %+v, want %s", old, first)
	}
	var res workflows.GCResult
	if err := json.Unmarshal([]byte(e2e.MustCLI(t, stk.Srv.Addr, "gc", "-c", config, "-o", "json")), &res); err != nil {
		t.Fatal(err)
	}
	oldRef, err := name.NewDigest(old.Artifacts[0].Ref(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := registry.Head(oldRef); err == nil {
		t.Errorf("gc left the old follow build %s in the registry: %+v", oldRef, res.Pruned)
	}
	if _, err := registry.Head(mustDigest(t, last.Artifacts[0].Ref())); err != nil {
		t.Errorf("gc removed the follow build that runs: %v", err)
	}
	for digest, want := range map[string]bool{old.Artifacts[0].Digest: false, last.Artifacts[0].Digest: true} {
		_, err := os.Stat(filepath.Join(stk.Data, "deploy", "images", strings.TrimPrefix(digest, "sha256:")))
		if (err == nil) != want {
			t.Errorf("unpacked image %s present %t after gc, want %t", digest, err == nil, want)
		}
	}
	e2e.MustCLI(t, stk.Srv.Addr, "follow", "-c", config, "--stop")
}

func mustDigest(t *testing.T, ref string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
