package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
)

// previewWithin bounds each step of a change preview at a gate: the gate
// opens without it rather than wait for workers that are away.
const previewWithin = 2 * time.Minute

// PreviewInput asks what a release would change in one environment.
type PreviewInput struct {
	Pipeline  config.Pipeline     `json:"pipeline"`
	Version   string              `json:"version"`
	Artifacts []contract.Artifact `json:"artifacts"`
	Env       string              `json:"env"`
}

// PreviewID is the workflow ID of the change preview of a release in env.
func PreviewID(product, version, env string) string {
	return fmt.Sprintf("preview/%s/%s/%s", product, version, env)
}

// PreviewWorkflow computes what a release would change in an environment,
// against what runs there now (`signalman diff`).
func PreviewWorkflow(ctx workflow.Context, in PreviewInput) (contract.Preview, error) {
	if _, ok := in.Pipeline.Environments[in.Env]; !ok {
		return contract.Preview{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s has no environment %q (environments: %v)", in.Pipeline.Product, in.Env, in.Pipeline.EnvNames()), ErrInvalid, nil)
	}
	var st contract.EnvState
	if err := run(ctx, contract.ReadEnvName, contract.ReadEnvRequest{Product: in.Pipeline.Product, Env: in.Env}, &st); err != nil {
		return contract.Preview{}, err
	}
	return previewOf(ctx, in.Pipeline, in.Version, in.Artifacts, in.Env, st.Running), nil
}

// previewOf is what version (its artifacts) changes in env of p against
// running: each service's versions and digests, the migrations that run
// before the services that change, and the commits since the oldest
// version running there. Notes that cannot be read leave the rest.
func previewOf(ctx workflow.Context, p config.Pipeline, version string, arts []contract.Artifact, env string, running map[string]contract.Running) contract.Preview {
	var names []string
	for _, s := range p.ServicesIn(env) {
		names = append(names, s.Name)
	}
	pv := contract.Preview{
		Product: p.Product, Version: version, Env: env, At: workflow.Now(ctx),
		Services: contract.Changes(running, version, arts, names),
	}
	for _, c := range pv.Services {
		if c.Change == contract.ChangeSame {
			continue
		}
		for _, m := range p.MigrationsBefore(c.Service) {
			pv.Migrations = append(pv.Migrations, fmt.Sprintf("%s, before %s", m.Name, c.Service))
		}
	}
	pv.Since = contract.Oldest(pv.Services)
	if pv.Since == "" || pv.Since == version {
		return pv
	}
	var n contract.ReleaseNotes
	err := runWithin(ctx, "", contract.ReleaseNotesName, contract.NotesRequest{
		Product: p.Product, RepoURL: p.Repository.URL, Version: version, From: pv.Since, GitHub: contract.GitHubRepoOf(p.Repository),
	}, &n, previewWithin)
	if err != nil {
		pv.Notes = "(the commits since " + pv.Since + " could not be read: " + cause(err) + ")"
		return pv
	}
	pv.Notes, pv.Commits = n.Markdown, n.Commits
	return pv
}

// preview computes what the release changes in env, for the people about
// to sign for it, and keeps it in the status: against what runs there now
// for a gate before the deploy, against what ran there before this
// release for one after it.
func (r *release) preview(ctx workflow.Context, env string) *contract.Preview {
	running, ok := r.before[env]
	if !ok || !r.in.Pipeline.SignoffsAfterDeploy(env) {
		var st contract.EnvState
		if err := runWithin(ctx, "", contract.ReadEnvName, contract.ReadEnvRequest{Product: r.st.Product, Env: env}, &st, previewWithin); err != nil {
			r.log.Warn("no change preview", "env", env, "error", err)
			return nil
		}
		running = st.Running
	}
	pv := previewOf(ctx, r.in.Pipeline, r.in.Version, r.st.Artifacts, env, running)
	r.st.Previews = slices.DeleteFunc(r.st.Previews, func(p contract.Preview) bool { return p.Env == env })
	r.st.Previews = append(r.st.Previews, pv)
	return &pv
}

// PreviewOf returns the change preview of env in a release's status.
func (s *Status) PreviewOf(env string) (contract.Preview, bool) {
	for _, p := range s.Previews {
		if p.Env == env {
			return p, true
		}
	}
	return contract.Preview{}, false
}
