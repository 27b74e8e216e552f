package activities

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/signature"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// Signer signs images and attaches their SBOM and provenance as signed
// attestations, and verifies all of it before every deploy. The private
// key's password is read from the worker's environment at run time.
type Signer struct {
	// KeyFile and PublicKeyFile are the cosign key pair.
	KeyFile       string
	PublicKeyFile string
	// TrustedKeyFiles are more public keys a deploy may be signed with.
	TrustedKeyFiles []string
	// PasswordEnv names the variable holding the key's password (COSIGN_PASSWORD).
	PasswordEnv string
	// FollowKeyFile is the key builds of a followed branch are signed
	// with (same password), never the release key; empty, this signer
	// signs no such build.
	FollowKeyFile string
	// Dir holds temporary files (binaries read for their SBOM).
	Dir string
	// Remote gives the registry options (credentials from the keychain).
	Remote func(context.Context) []remote.Option
}

// openedKeys are the signing keys this process has opened, by the digest
// of their file and password: opening one (scrypt) costs far more than a
// signature, and a release signs and attests every image.
var openedKeys sync.Map

// Sign signs the artifact's digest and attests its SBOM and provenance.
// Each step checks before acting, so a retry adds nothing twice.
func (s *Signer) Sign(ctx context.Context, req contract.SignRequest) error {
	ref, err := digestRef(req.Artifact)
	if err != nil {
		return err
	}
	signer, err := s.signer(req.Key, req.Artifact.Service, req.Product, req.Version)
	if err != nil {
		return err
	}
	opts := s.Remote(ctx)
	log := activity.GetLogger(ctx)

	added, err := signer.Sign(ctx, ref, map[string]string{
		"dev.signalman.product": req.Product,
		"dev.signalman.service": req.Artifact.Service,
		"dev.signalman.version": req.Version,
		"dev.signalman.commit":  req.Commit,
	}, opts...)
	if err != nil {
		return signError("sign", req.Artifact, err)
	}
	log.Info("signature", "image", ref.String(), "added", added)

	img, err := remote.Image(ref, opts...)
	if err != nil {
		return fmt.Errorf("read %s: %w", ref, err)
	}
	sbom, goVersion, err := s.sbom(req, img)
	if err != nil {
		return err
	}
	prov, err := artifact.Provenance(artifact.ProvenanceInput{
		Source:       source(req, img),
		Tag:          req.Version,
		Context:      req.Build.Context,
		Package:      req.Build.Package,
		Dockerfile:   req.Build.Dockerfile,
		GoVersion:    goVersion,
		Flags:        flagsOf(req),
		InvocationID: req.Invocation,
	})
	if err != nil {
		return badInput("provenance of %s: %v", req.Artifact.Service, err)
	}
	for _, a := range []struct {
		kind string
		body []byte
	}{{artifact.PredicateCycloneDX, sbom}, {artifact.PredicateSLSAProvenance, prov}} {
		added, err := signer.Attest(ctx, ref, a.kind, a.body, opts...)
		if err != nil {
			return signError("attest", req.Artifact, err)
		}
		log.Info("attestation", "image", ref.String(), "type", a.kind, "added", added)
	}
	return nil
}

// signer opens the signing key a request names: the release key, or the
// key of builds of a followed branch.
func (s *Signer) signer(key, service, product, version string) (*signature.Signer, error) {
	keyFile := s.KeyFile
	switch key {
	case "":
	case contract.FollowKey:
		if s.FollowKeyFile == "" {
			return nil, badInput("sign %s of %s %s: this signer holds no non-release key (for builds of a followed branch or a temporary stage deploy); start it with --follow-signing-key", service, product, version)
		}
		keyFile = s.FollowKeyFile
	default:
		return nil, badInput("sign %s: %q is not a signing key (want the release key or %s)", service, key, contract.FollowKey)
	}
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, badInput("sign %s: read the signing key: %v; create one with `signalman keys generate`", service, err)
	}
	password := []byte(os.Getenv(s.PasswordEnv))
	h := sha256.New()
	h.Write(pem)
	h.Write([]byte{0})
	h.Write(password)
	var id [32]byte
	h.Sum(id[:0])
	if signer, ok := openedKeys.Load(id); ok {
		return signer.(*signature.Signer), nil
	}
	signer, err := signature.LoadSigner(pem, password)
	if errors.Is(err, signature.ErrWrongPassword) {
		return nil, badInput("sign %s: %s does not open %s", service, s.PasswordEnv, keyFile)
	}
	if err != nil {
		return nil, badInput("sign %s: %v", service, err)
	}
	openedKeys.Store(id, signer)
	return signer, nil
}

// Verify refuses an artifact unless its digest carries a valid signature by
// a key this worker trusts and the environment accepts (req.Keys, when the
// pipeline lists them), and a signed provenance naming the release's commit.
func (s *Signer) Verify(ctx context.Context, req contract.VerifyRequest) error {
	ref, err := digestRef(req.Artifact)
	if err != nil {
		return err
	}
	trusted, err := s.trusted()
	if err != nil {
		return badInput("verify %s: %v", req.Artifact.Service, err)
	}
	keys := accepted(trusted, req.Keys)
	if len(keys) == 0 {
		return permanent(contract.ErrRefused, fmt.Errorf("refuse to deploy %s of %s: none of the %d key(s) in the environment's verify_keys is one this worker trusts (--verify-key, --trust-key)",
			req.Artifact.Ref(), req.Artifact.Service, len(req.Keys)))
	}
	opts := s.Remote(ctx)
	var verifier *signature.Verifier
	for _, key := range keys {
		v, lerr := signature.LoadVerifier(key)
		if lerr != nil {
			return badInput("verify %s: %v", req.Artifact.Service, lerr)
		}
		if err = v.VerifySignature(ctx, ref, opts...); err == nil {
			verifier = v
			break
		}
	}
	if verifier == nil {
		return refusal(req.Artifact, err)
	}
	pred, err := verifier.Attestation(ctx, ref, artifact.PredicateSLSAProvenance, opts...)
	if err != nil {
		return refusal(req.Artifact, err)
	}
	commit, err := artifact.ProvenanceCommit(pred)
	if err != nil {
		return permanent(contract.ErrRefused, fmt.Errorf("refuse to deploy %s: %w", ref, err))
	}
	if commit != req.Commit {
		return permanent(contract.ErrRefused, fmt.Errorf("refuse to deploy %s: its provenance says it was built from %s, but %s %s is commit %s", ref, commit, req.Product, req.Version, req.Commit))
	}
	activity.GetLogger(ctx).Info("verified", "image", ref.String(), "commit", commit)
	return nil
}

// sbom describes the image: from the Go binary's build information when the
// image is a Go build, from its files otherwise.
func (s *Signer) sbom(req contract.SignRequest, img v1.Image) ([]byte, string, error) {
	src := source(req, img)
	if req.Build.Kind == config.BuildDockerfile {
		b, err := artifact.SBOMFromImage(img, src)
		return b, "", err
	}
	bin, done, err := s.binary(img, req.Artifact.Service)
	if err != nil {
		return nil, "", fmt.Errorf("sbom of %s: %w", req.Artifact.Service, err)
	}
	defer done()
	sbom, goVersion, err := goSBOM(req, src, bin)
	if err == nil && req.KeepBinary {
		s.keep(bin, req.Artifact.Digest)
	}
	return sbom, goVersion, err
}

// keptFor is how long a binary left for the vulnerability gate is kept
// when no gate takes it (the release ended before it).
const keptFor = 24 * time.Hour

// keep leaves the binary of the image digest for the gate that follows
// (kept); a failure only costs the gate a copy of its own.
func (s *Signer) keep(bin, digest string) {
	dir := filepath.Join(s.Dir, "gate")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	if old, err := os.ReadDir(dir); err == nil {
		for _, e := range old {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > keptFor {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	_ = os.Rename(bin, filepath.Join(dir, strings.TrimPrefix(digest, "sha256:")))
}

// kept takes the binary the sign stage left for the image digest, if it
// is here; done removes it.
func (s *Signer) kept(digest string) (path string, done func(), ok bool) {
	name := strings.TrimPrefix(digest, "sha256:")
	if name == "" || strings.ContainsAny(name, "/.") {
		return "", nil, false
	}
	path = filepath.Join(s.Dir, "gate", name)
	if _, err := os.Stat(path); err != nil {
		return "", nil, false
	}
	return path, func() { os.Remove(path) }, true
}

// goSBOM is the SBOM of a Go build's binary, and its Go version.
func goSBOM(req contract.SignRequest, src artifact.Source, bin string) ([]byte, string, error) {
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, "", fmt.Errorf("sbom of %s: %w", req.Artifact.Service, err)
	}
	b, err := artifact.SBOM(bin, artifact.GoBuild{
		Service: src.Service, Version: src.Version, Commit: src.Commit, Repository: src.Repository, CommitTime: src.CommitTime,
		Context: req.Build.Context, Package: req.Build.Package,
	})
	return b, info.GoVersion, err
}

// binary copies a Go build's binary out of its image into a file of its
// own, removed by done.
func (s *Signer) binary(img v1.Image, service string) (path string, done func(), err error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp(s.Dir, "bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, service)
	if err := artifact.ExtractFile(img, artifact.BinaryPath(service), bin); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// source describes the release an image was built from; its time is the
// image's creation time, which the build set to the commit time.
func source(req contract.SignRequest, img v1.Image) artifact.Source {
	src := artifact.Source{Service: req.Artifact.Service, Version: req.Version, Commit: req.Commit, Repository: req.RepoURL}
	if cfg, err := img.ConfigFile(); err == nil {
		src.CommitTime = cfg.Created.Time
	}
	if src.CommitTime.IsZero() {
		src.CommitTime = time.Unix(0, 0).UTC()
	}
	return src
}

func flagsOf(req contract.SignRequest) []string {
	if req.Build.Kind == config.BuildDockerfile {
		return nil
	}
	return artifact.GoFlags(req.Version)
}

// digestRef is the artifact's image addressed by its digest.
func digestRef(a contract.Artifact) (name.Digest, error) {
	ref, err := name.NewDigest(a.Ref(), name.Insecure)
	if err != nil {
		return name.Digest{}, badInput("image %s of %s: %v", a.Ref(), a.Service, err)
	}
	return ref, nil
}

// signError keeps bad input permanent and lets registry trouble retry.
func signError(what string, a contract.Artifact, err error) error {
	if errors.Is(err, signature.ErrImageNotFound) || errors.Is(err, signature.ErrInvalidPredicate) {
		return permanent(contract.ErrBadInput, fmt.Errorf("%s %s: %w", what, a.Ref(), err))
	}
	return fmt.Errorf("%s %s: %w", what, a.Ref(), err)
}

// refusal makes a failed verification permanent; anything else (a registry
// that does not answer) is retried.
func refusal(a contract.Artifact, err error) error {
	for _, e := range []error{signature.ErrUnsigned, signature.ErrBadSignature, signature.ErrDigestMismatch, signature.ErrNoAttestation, signature.ErrImageNotFound} {
		if errors.Is(err, e) {
			return permanent(contract.ErrRefused, fmt.Errorf("refuse to deploy %s of %s: %w", a.Ref(), a.Service, err))
		}
	}
	return fmt.Errorf("verify %s: %w", a.Ref(), err)
}
