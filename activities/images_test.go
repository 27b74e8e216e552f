package activities

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/signalman/signalman/examples"
	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/registry"
)

// images is a real registry, a real key pair and a real repository holding
// the example product, with the build and sign activities wired to them.
type images struct {
	reg     *registry.Registry
	builder *Builder
	signer  *Signer
	repoURL string
	commit  string
}

const testPassword = "activity-test-password"

func newImages(t *testing.T) *images {
	t.Helper()
	gittest.Isolate(t)
	reg, err := registry.Start(context.Background(), registry.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Stop() })
	repo, repoURL := gittest.NewWithRemote(t)
	commit := repo.WriteCommit(t, "feat: shop", exampleFiles(t))
	repo.Git(t, "push", "--quiet", "origin", "main")

	keys := t.TempDir()
	priv, pub, err := signature.GenerateKeys([]byte(testPassword))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(keys, "cosign.key"), priv, 0o600)
	os.WriteFile(filepath.Join(keys, "cosign.pub"), pub, 0o644)
	t.Setenv("TEST_COSIGN_PASSWORD", testPassword)
	opts := func(ctx context.Context) []remote.Option { return []remote.Option{remote.WithContext(ctx)} }
	return &images{
		reg: reg, repoURL: repoURL, commit: commit,
		builder: &Builder{Registry: reg.Host(), Dir: t.TempDir(), Counter: buildnum.Counter{Dir: t.TempDir()}, Docker: artifact.DockerClient, Remote: opts,
			Env: []string{"GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE")}},
		signer: &Signer{KeyFile: filepath.Join(keys, "cosign.key"), PublicKeyFile: filepath.Join(keys, "cosign.pub"), PasswordEnv: "TEST_COSIGN_PASSWORD", Dir: t.TempDir(), Remote: opts},
	}
}

// goEnv reads a go env value before the test's fresh HOME hides it.
var goEnvs = map[string]string{}

func goEnv(t *testing.T, key string) string {
	if v, ok := goEnvs[key]; ok {
		return v
	}
	t.Fatalf("go env %s was not captured", key)
	return ""
}

func TestMain(m *testing.M) {
	for _, k := range []string{"GOCACHE", "GOMODCACHE"} {
		goEnvs[k] = goEnvOf(k)
	}
	os.Exit(m.Run())
}

// exampleFiles returns the example product's files.
func exampleFiles(t testing.TB) map[string]string {
	t.Helper()
	files, err := examples.Shop()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func (im *images) buildReq(number int) contract.BuildRequest {
	return contract.BuildRequest{Product: "shop", Version: "v1.12.0", Commit: im.commit, RepoURL: im.repoURL, Service: "api",
		Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/api"}, Number: number}
}

func (im *images) signReq(a contract.Artifact) contract.SignRequest {
	return contract.SignRequest{Product: "shop", Version: "v1.12.0", Commit: im.commit, RepoURL: im.repoURL, Artifact: a,
		Build: config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/api"}, Invocation: "release/shop/v1.12.0"}
}

func (im *images) verifyReq(a contract.Artifact) contract.VerifyRequest {
	return contract.VerifyRequest{Product: "shop", Version: "v1.12.0", Commit: im.commit, Artifact: a}
}

func counts(t *testing.T, a contract.Artifact) (sigs, atts int) {
	t.Helper()
	ref, err := name.NewDigest(a.Ref(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	sigs, err = signature.Signatures(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	atts, err = signature.Attestations(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return sigs, atts
}

func TestImages_build_sign_verify_and_retry_add_nothing_twice(t *testing.T) {
	im := newImages(t)
	a, err := runActivity(t, im.builder.Build, im.buildReq(3))
	if err != nil {
		t.Fatal(err)
	}
	if want := im.reg.Host() + "/shop/api:v1.12.0-build.3-" + im.commit[:7]; a.Image != want || !strings.HasPrefix(a.Digest, "sha256:") {
		t.Fatalf("artifact %+v, want image %s", a, want)
	}
	// A retried build (the worker died after the push) finds the image.
	again, err := runActivity(t, im.builder.Build, im.buildReq(3))
	if err != nil || again != a {
		t.Errorf("retried build = %+v, %v; want %+v", again, err, a)
	}
	// Another build number of the same commit is a new tag with the same digest.
	other, err := runActivity(t, im.builder.Build, im.buildReq(4))
	if err != nil || other.Digest != a.Digest {
		t.Errorf("same commit built again: %+v, %v; want digest %s", other, err, a.Digest)
	}

	if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
		t.Fatal(err)
	}
	if sigs, atts := counts(t, a); sigs != 1 || atts != 2 {
		t.Errorf("after sign and a retried sign: %d signatures, %d attestations; want 1 and 2", sigs, atts)
	}
	if _, err := runActivity(t, noResult(im.signer.Verify), im.verifyReq(a)); err != nil {
		t.Errorf("verify a signed image: %v", err)
	}
}

func TestImages_verify_refuses(t *testing.T) {
	im := newImages(t)
	a, err := runActivity(t, im.builder.Build, im.buildReq(1))
	if err != nil {
		t.Fatal(err)
	}
	unsigned := a

	signedByOther := func(t *testing.T) contract.Artifact {
		other := *im.signer
		dir := t.TempDir()
		priv, pub, _ := signature.GenerateKeys([]byte(testPassword))
		os.WriteFile(filepath.Join(dir, "cosign.key"), priv, 0o600)
		os.WriteFile(filepath.Join(dir, "cosign.pub"), pub, 0o644)
		other.KeyFile, other.PublicKeyFile = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
		req := im.buildReq(2)
		req.Version = "v1.13.0" // another version: another binary, another digest
		b, err := runActivity(t, im.builder.Build, req)
		if err != nil {
			t.Fatal(err)
		}
		if b.Digest == a.Digest {
			t.Fatal("want an image other than a")
		}
		sreq := im.signReq(b)
		sreq.Version = "v1.13.0"
		if _, err := runActivity(t, noResult(other.Sign), sreq); err != nil {
			t.Fatal(err)
		}
		return b
	}

	cases := []struct {
		name    string
		art     func(t *testing.T) contract.Artifact
		commit  string
		wantMsg string
	}{
		{name: "unsigned_image", art: func(*testing.T) contract.Artifact { return unsigned }, wantMsg: "no signature"},
		{name: "image_signed_by_another_key", art: signedByOther, wantMsg: "refuse to deploy"},
		{name: "tag_repushed_with_other_content_after_signing", art: func(t *testing.T) contract.Artifact {
			if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
				t.Fatal(err)
			}
			// What a registry that allows overwrites would now serve for the tag.
			img, _ := random.Image(512, 1)
			tag, _ := name.NewTag(im.reg.Host()+"/shop/api:tampered", name.Insecure)
			d, err := artifact.Push(context.Background(), img, tag)
			if err != nil {
				t.Fatal(err)
			}
			return contract.Artifact{Service: "api", Image: a.Image, Digest: d.DigestStr()}
		}, wantMsg: "refuse to deploy"},
		{name: "provenance_for_another_commit", art: func(t *testing.T) contract.Artifact {
			if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
				t.Fatal(err)
			}
			return a
		}, commit: strings.Repeat("b", 40), wantMsg: "its provenance says it was built from " + "%COMMIT%"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := im.verifyReq(tc.art(t))
			if tc.commit != "" {
				req.Commit = tc.commit
			}
			_, err := runActivity(t, noResult(im.signer.Verify), req)
			want := strings.ReplaceAll(tc.wantMsg, "%COMMIT%", im.commit)
			if appErrType(err) != contract.ErrRefused || !strings.Contains(err.Error(), want) {
				t.Errorf("verify: %v (type %q); want a %s refusal containing %q", err, appErrType(err), contract.ErrRefused, want)
			}
		})
	}
}

func TestImages_existing_tag_with_another_digest_is_never_overwritten(t *testing.T) {
	im := newImages(t)
	req := im.buildReq(9)
	tag, err := im.builder.tag(req)
	if err != nil {
		t.Fatal(err)
	}
	// Someone else pushed different content under the release's tag first.
	img, _ := random.Image(128, 1)
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	before, _ := remote.Head(tag)
	a, err := runActivity(t, im.builder.Build, req)
	// The build finds the tag and takes what is there: a later Verify refuses
	// it, since nobody signed it for this release.
	if err != nil || a.Digest != before.Digest.String() {
		t.Fatalf("build over a foreign tag: %+v, %v", a, err)
	}
	if _, err := runActivity(t, noResult(im.signer.Verify), im.verifyReq(a)); appErrType(err) != contract.ErrRefused {
		t.Errorf("verify of the foreign image: %v; want refused", err)
	}
	after, _ := remote.Head(tag)
	if after.Digest != before.Digest {
		t.Errorf("tag overwritten: %s, was %s", after.Digest, before.Digest)
	}
}

func TestImages_build_failures_are_permanent(t *testing.T) {
	im := newImages(t)
	req := im.buildReq(1)
	req.Build.Package = "./services/missing"
	if _, err := runActivity(t, im.builder.Build, req); appErrType(err) != ErrBuildFailed {
		t.Errorf("missing package: %v (type %q); want %s", err, appErrType(err), ErrBuildFailed)
	}
	req = im.buildReq(0)
	if _, err := runActivity(t, im.builder.Build, req); appErrType(err) != contract.ErrBadInput {
		t.Errorf("build number 0: %v; want bad input", err)
	}
	noKey := *im.signer
	noKey.PasswordEnv = "NO_SUCH_PASSWORD_VARIABLE"
	a, err := runActivity(t, im.builder.Build, im.buildReq(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, noResult(noKey.Sign), im.signReq(a)); appErrType(err) != contract.ErrBadInput || strings.Contains(err.Error(), testPassword) {
		t.Errorf("wrong password: %v; want bad input that does not show the password", err)
	}
}

// noResult adapts an activity without a result for runActivity.
func noResult[Req any](fn func(context.Context, Req) error) func(context.Context, Req) (struct{}, error) {
	return func(ctx context.Context, r Req) (struct{}, error) { return struct{}{}, fn(ctx, r) }
}

func TestImages_dockerfile_service_builds_through_the_engine(t *testing.T) {
	if !artifact.DockerAvailable(context.Background()) {
		if os.Getenv("SIGNALMAN_REQUIRE_DOCKER") != "" {
			t.Fatal("SIGNALMAN_REQUIRE_DOCKER is set but no Docker Engine answers")
		}
		t.Skip("no Docker Engine answers")
	}
	im := newImages(t)
	repo, repoURL := gittest.NewWithRemote(t)
	commit := repo.WriteCommit(t, "feat: static site", map[string]string{
		"site/Dockerfile":    "FROM scratch\nCOPY index.html /site/index.html\n",
		"site/index.html":    "<h1>shop</h1>\n",
		"site/.dockerignore": "secrets.env\n",
		"site/secrets.env":   "TOKEN=not-for-images\n",
	})
	repo.Git(t, "push", "--quiet", "origin", "main")
	build := config.Build{Kind: config.BuildDockerfile, Context: "site", Dockerfile: "Dockerfile"}
	req := contract.BuildRequest{Product: "shop", Version: "v1.12.0", Commit: commit, RepoURL: repoURL, Service: "site", Build: build, Number: 1}
	a, err := runActivity(t, im.builder.Build, req)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(mustDigest(t, a), remote.WithContext(context.Background()))
	if err != nil {
		t.Fatalf("pull %s: %v", a.Ref(), err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Labels["org.opencontainers.image.revision"]; got != commit {
		t.Errorf("revision label = %q, want %s", got, commit)
	}
	dst := filepath.Join(t.TempDir(), "index.html")
	if err := artifact.ExtractFile(img, "/site/index.html", dst); err != nil {
		t.Errorf("the image lacks the copied file: %v", err)
	}
	if err := artifact.ExtractFile(img, "/site/secrets.env", filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("a .dockerignore'd file reached the image")
	}
	sreq := contract.SignRequest{Product: "shop", Version: "v1.12.0", Commit: commit, RepoURL: repoURL, Artifact: a, Build: build, Invocation: "release/shop/v1.12.0"}
	if _, err := runActivity(t, noResult(im.signer.Sign), sreq); err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, noResult(im.signer.Verify), contract.VerifyRequest{Product: "shop", Version: "v1.12.0", Commit: commit, Artifact: a}); err != nil {
		t.Errorf("verify the Dockerfile image: %v", err)
	}

	broken := repo.WriteCommit(t, "fix: break it", map[string]string{"site/Dockerfile": "FROM scratch\nCOPY missing.html /site/\n"})
	repo.Git(t, "push", "--quiet", "origin", "main")
	req.Commit, req.Number = broken, 2
	if _, err := runActivity(t, im.builder.Build, req); appErrType(err) != ErrBuildFailed || !strings.Contains(err.Error(), "missing.html") {
		t.Errorf("failing Dockerfile: %v (type %q); want %s naming the missing file", err, appErrType(err), ErrBuildFailed)
	}
}

func mustDigest(t *testing.T, a contract.Artifact) name.Digest {
	t.Helper()
	d, err := name.NewDigest(a.Ref(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestImages_real_cosign_accepts_signatures checks the signatures and
// attestations with the real cosign CLI when it is installed (it is not
// part of the build: `go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5`).
func TestImages_real_cosign_accepts_signatures(t *testing.T) {
	cosign, err := exec.LookPath("cosign")
	if err != nil {
		t.Skip("the cosign CLI is not installed")
	}
	im := newImages(t)
	a, err := runActivity(t, im.builder.Build, im.buildReq(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"verify", "--key", im.signer.PublicKeyFile, "--insecure-ignore-tlog=true", "--allow-insecure-registry", a.Ref()},
		{"verify-attestation", "--key", im.signer.PublicKeyFile, "--insecure-ignore-tlog=true", "--allow-insecure-registry", "--type", "slsaprovenance1", a.Ref()},
		{"verify-attestation", "--key", im.signer.PublicKeyFile, "--insecure-ignore-tlog=true", "--allow-insecure-registry", "--type", "cyclonedx", a.Ref()},
	} {
		out, err := exec.Command(cosign, args...).CombinedOutput()
		if err != nil {
			t.Errorf("cosign %s: %v\n%s", strings.Join(args[:1], " "), err, out)
		}
	}
}

// TestImages_verify_keys_of_the_environment signs an image with the
// release key and verifies it on a deployer that also trusts a second key:
// an environment that lists the release key accepts it, one that lists
// only the second key refuses it, and a list naming no key the deployer
// trusts is refused whatever the image.
func TestImages_verify_keys_of_the_environment(t *testing.T) {
	im := newImages(t)
	a, err := runActivity(t, im.builder.Build, im.buildReq(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runActivity(t, noResult(im.signer.Sign), im.signReq(a)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, second, _ := signature.GenerateKeys([]byte(testPassword))
	os.WriteFile(filepath.Join(dir, "second.pub"), second, 0o644)
	_, stranger, _ := signature.GenerateKeys([]byte(testPassword))
	release, err := os.ReadFile(im.signer.PublicKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	deployer := &Signer{PublicKeyFile: im.signer.PublicKeyFile, TrustedKeyFiles: []string{filepath.Join(dir, "second.pub")}, Dir: t.TempDir(), Remote: im.signer.Remote}
	for _, tc := range []struct {
		name    string
		keys    []string
		wantErr string
	}{
		{"no_list_accepts_every_trusted_key", nil, ""},
		{"list_with_the_release_key_accepts", []string{string(second), string(release)}, ""},
		{"list_with_only_the_second_key_refuses", []string{string(second)}, "refuse to deploy"},
		{"list_of_keys_the_deployer_does_not_trust_refuses", []string{string(stranger)}, "none of the 1 key(s) in the environment's verify_keys is one this worker trusts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := im.verifyReq(a)
			req.Keys = tc.keys
			_, err := runActivity(t, noResult(deployer.Verify), req)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("verify: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("verify: %v; want a refusal containing %q", err, tc.wantErr)
			}
		})
	}
}
