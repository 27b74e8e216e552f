package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/vuln"
)

// Scan checks one image against the pipeline's vulnerability database: a
// Go build's binary by the vulnerable symbols it reaches, and every module
// its SBOM lists by version (a record that names vulnerable packages is
// left to the binary's analysis). It judges each finding by the policy
// (severity, ignores) and attaches the verdict to the image as a signed
// attestation (cosign's vuln predicate), blocking or not: the workflow
// decides what a block does.
func (s *Signer) Scan(ctx context.Context, req contract.ScanRequest) (contract.ScanResult, error) {
	ref, err := digestRef(req.Artifact)
	if err != nil {
		return contract.ScanResult{}, err
	}
	db, err := vuln.Open(req.Policy.Database)
	if err != nil {
		return contract.ScanResult{}, badInput("security.vulnerabilities.database: %v on this sign worker; sync the database there (vuln.go.dev's vulndb.zip, unpacked)", err)
	}
	signer, err := s.signer("", req.Artifact.Service, req.Product, req.Version)
	if err != nil {
		return contract.ScanResult{}, err
	}
	opts := s.Remote(ctx)
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return contract.ScanResult{}, fmt.Errorf("read %s: %w", ref, err)
	}
	started := time.Now().UTC()
	sign := contract.SignRequest{Product: req.Product, Version: req.Version, Commit: req.Commit, Artifact: req.Artifact, Build: req.Build}
	src := source(sign, img)
	var sbom []byte
	var bin string
	if req.Build.Kind == config.BuildDockerfile {
		if sbom, err = artifact.SBOMFromImage(img, src); err != nil {
			return contract.ScanResult{}, err
		}
	} else {
		var done func()
		var ok bool
		if bin, done, ok = s.kept(req.Artifact.Digest); !ok {
			if bin, done, err = s.binary(img, req.Artifact.Service); err != nil {
				return contract.ScanResult{}, fmt.Errorf("scan %s: %w", req.Artifact.Service, err)
			}
		}
		defer done()
		if sbom, _, err = goSBOM(sign, src, bin); err != nil {
			return contract.ScanResult{}, err
		}
	}
	mods, err := vuln.GoModules(sbom)
	if err != nil {
		return contract.ScanResult{}, fmt.Errorf("scan %s: %w", req.Artifact.Service, err)
	}
	// The binary's symbols and the SBOM's versions are looked up at once,
	// each with a database reader of its own.
	var hits []vuln.Hit
	var binErr error
	var wg sync.WaitGroup
	bdb := db
	if bin != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hits, binErr = bdb.Binary(ctx, bin)
		}()
	}
	more, err := db.Packages(ctx, mods, req.Build.Kind != config.BuildDockerfile)
	wg.Wait()
	if err == nil {
		err = binErr
	}
	if db.Modified.IsZero() {
		db.Modified = bdb.Modified
	}
	if err != nil {
		return contract.ScanResult{}, fmt.Errorf("scan %s: %w", req.Artifact.Service, err)
	}
	res := contract.ScanResult{
		Service: req.Artifact.Service, Digest: req.Artifact.Digest, Env: req.Env,
		Database: db.Modified, At: started,
		Findings: judge(append(hits, more...), req.Policy, started),
	}
	pred, err := vulnPredicate(req, res, time.Now().UTC())
	if err != nil {
		return contract.ScanResult{}, err
	}
	added, err := signer.Attest(ctx, ref, contract.PredicateVuln, pred, opts...)
	if err != nil {
		return contract.ScanResult{}, signError("attest", req.Artifact, err)
	}
	activity.GetLogger(ctx).Info("vulnerability scan", "image", ref.String(), "findings", len(res.Findings), "blocking", len(res.Blocking()), "attested", added)
	return res, nil
}

// judge turns hits into findings under the policy at t: one finding a
// vulnerability (its reached symbol preferred), blocking when its
// severity is at least the policy's and no unexpired ignore names it.
func judge(hits []vuln.Hit, policy config.Vulnerabilities, t time.Time) []contract.Finding {
	var out []contract.Finding
	for _, h := range hits {
		if i := slices.IndexFunc(out, func(f contract.Finding) bool { return f.ID == h.ID }); i >= 0 {
			if out[i].Symbol == "" && h.Symbol != "" {
				out[i].Symbol, out[i].Via = h.Symbol, h.Via
			}
			continue
		}
		f := contract.Finding{
			ID: h.ID, Aliases: h.Aliases, Summary: h.Summary, Severity: h.Severity,
			Module: h.Module, Version: h.Version, Fixed: h.Fixed, Symbol: h.Symbol, Via: h.Via,
		}
		if ig, ok := policy.Ignored(f.Names(), t); ok {
			f.Ignored = fmt.Sprintf("%s (until %s)", ig.Reason, ig.Until)
		} else {
			f.Blocks = policy.Blocks(f.Severity)
		}
		out = append(out, f)
	}
	return out
}

// vulnPredicate is the verdict in cosign's vuln predicate: the scanner,
// the database and its date, the findings and the policy's verdict.
func vulnPredicate(req contract.ScanRequest, res contract.ScanResult, finished time.Time) ([]byte, error) {
	type db struct {
		URI     string `json:"uri"`
		Version string `json:"version"`
	}
	verdict := "pass"
	if len(res.Blocking()) > 0 {
		verdict = "blocked"
	}
	p := map[string]any{
		"invocation": map[string]any{
			"parameters": []string{"policy.block=" + orHigh(req.Policy.Block), "env=" + req.Env},
			"uri":        "signalman:" + req.Product + "/" + req.Version,
			"event_id":   req.Commit,
			"builder.id": "signalman",
		},
		"scanner": map[string]any{
			"uri":     "pkg:golang/golang.org/x/vuln",
			"version": "v1",
			"db":      db{URI: "file:security.vulnerabilities.database", Version: res.Database.Format(time.RFC3339)},
			"result":  map[string]any{"verdict": verdict, "findings": res.Findings},
		},
		"metadata": map[string]any{
			"scanStartedOn":  res.At.Format(time.RFC3339),
			"scanFinishedOn": finished.Format(time.RFC3339),
		},
	}
	return json.Marshal(p)
}

func orHigh(s string) string {
	if s == "" {
		return "high"
	}
	return s
}
