package activities

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/contract"
)

// TestImages_temporary_stage_deploy_is_refused_by_prod builds the api as
// a temporary stage deploy names it (stage/NAME-SHA7), signs it with the
// non-release key on the real registry, and verifies it as the deployers
// do: stage's verify keys (the non-release key) accept it, prod's (the
// release key) refuse it, though the deployer trusts both keys.
func TestImages_temporary_stage_deploy_is_refused_by_prod(t *testing.T) {
	im := newImages(t)
	dir := t.TempDir()
	priv, pub, err := signature.GenerateKeys([]byte(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	nonRelease := filepath.Join(dir, "follow.pub")
	os.WriteFile(filepath.Join(dir, "follow.key"), priv, 0o600)
	os.WriteFile(nonRelease, pub, 0o644)
	release, err := os.ReadFile(im.signer.PublicKeyFile)
	if err != nil {
		t.Fatal(err)
	}

	version := "stage/checkout-fix-" + im.commit[:7]
	build := im.buildReq(2)
	build.Version, build.Follow = version, "stage/checkout-fix"
	a, err := runActivity(t, im.builder.Build, build)
	if err != nil {
		t.Fatal(err)
	}
	if want := ":stage-checkout-fix-" + im.commit[:7] + "-build.2"; !strings.HasSuffix(a.Image, want) {
		t.Errorf("image %s, want a tag ending %s", a.Image, want)
	}
	sign := im.signReq(a)
	sign.Version, sign.Key, sign.Invocation = version, contract.FollowKey, "stage-deploy/shop/checkout-fix"
	if _, err := runActivity(t, noResult(im.signer.Sign), sign); appErrType(err) != contract.ErrBadInput {
		t.Errorf("a signer without the non-release key signed a temporary deploy: %v", err)
	}
	im.signer.FollowKeyFile = filepath.Join(dir, "follow.key")
	if _, err := runActivity(t, noResult(im.signer.Sign), sign); err != nil {
		t.Fatal(err)
	}

	deployer := &Signer{PublicKeyFile: im.signer.PublicKeyFile, TrustedKeyFiles: []string{nonRelease}, Dir: t.TempDir(), Remote: im.signer.Remote}
	req := contract.VerifyRequest{Product: "shop", Version: version, Commit: im.commit, Artifact: a}
	req.Keys = []string{string(pub)}
	if _, err := runActivity(t, noResult(deployer.Verify), req); err != nil {
		t.Errorf("stage's verify keys refuse the temporary deploy: %v", err)
	}
	req.Keys = []string{string(release)}
	if _, err := runActivity(t, noResult(deployer.Verify), req); err == nil || !strings.Contains(err.Error(), "refuse to deploy") {
		t.Errorf("prod's verify keys: %v; want the temporary deploy's image refused", err)
	}
}
