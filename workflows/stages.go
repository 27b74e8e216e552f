package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
)

// StageDeploying is the stage a ServiceDeployWorkflow shows while it runs.
const StageDeploying = "deploying"

// stage is one step of a release: its name, the environment it works on,
// whether an abort stops it (promote and announce run once production has
// the release), whether it runs at the same time as the stage before it
// (the deploys of one wave), and what it does.
type stage struct {
	name  string
	env   string
	stops bool
	with  bool
	run   func(*release, workflow.Context) error
}

// plan lists the stages of a release of p, in order: the source stages;
// then for each wave of environments the approvals asked before deploying
// (an environment's signoffs, unless they are asked after), the window of
// each production environment (ship time, deploy window, freeze), the
// deploys (at the same time within a wave) and the signoffs asked after;
// then promote and announce. The status table, envOf and the release's
// loop all come from this list, so a new stage is one line here and one
// file for its function.
//
// The stages of the classic stage-and-prod pipeline keep their names
// (deploy-stage, qa-signoff, sre-approval, window, canary); those of
// other environments are named by kind and environment (deploy-dev,
// sre-approval-prod-eu, window-prod-eu, signoff-dev).
func plan(p config.Pipeline) []stage {
	out := []stage{
		{StageTag, "", true, false, (*release).tag},
		{StageTest, "", true, false, (*release).test},
		{StageBuild, "", true, false, (*release).build},
		{StageSign, "", true, false, (*release).sign},
	}
	if p.Security.Vulnerabilities != nil {
		out = append(out, stage{StageScan, "", true, false, (*release).scan})
	}
	for _, wave := range p.Waves() {
		for _, env := range wave {
			if !p.SignoffsAfterDeploy(env) && (len(p.Environments[env].Signoffs) > 0 || env == config.Prod) {
				out = append(out, gateStage(approvalStage(env), env))
			}
		}
		for _, env := range wave {
			if p.IsProduction(env) {
				name := windowStage(env)
				out = append(out, stage{name, env, true, false, func(r *release, ctx workflow.Context) error { return r.window(ctx, name, env) }})
			}
		}
		for i, env := range wave {
			name := DeployStage(env)
			out = append(out, stage{name, env, true, i > 0, func(r *release, ctx workflow.Context) error { return r.deploy(ctx, name, env) }})
		}
		for _, env := range wave {
			if p.SignoffsAfterDeploy(env) && (len(p.Environments[env].Signoffs) > 0 || env == config.Stage) {
				out = append(out, gateStage(signoffStage(env), env))
			}
		}
	}
	return append(out,
		stage{StagePromote, lastOr(p.Production(), ""), false, false, (*release).promote},
		stage{StageAnnounce, "", false, false, (*release).announce},
	)
}

func gateStage(name, env string) stage {
	return stage{name, env, true, false, func(r *release, ctx workflow.Context) error { return r.signoffs(ctx, env) }}
}

func lastOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[len(s)-1]
}

// DeployStage is the name of the stage that deploys a release to env.
func DeployStage(env string) string {
	switch env {
	case config.Prod:
		return StageCanary
	case config.Stage:
		return StageDeployStage
	}
	return "deploy-" + env
}

func approvalStage(env string) string {
	if env == config.Prod {
		return StageApproval
	}
	return StageApproval + "-" + env
}

func signoffStage(env string) string {
	if env == config.Stage {
		return StageQASignoff
	}
	return "signoff-" + env
}

func windowStage(env string) string {
	if env == config.Prod {
		return StageWindow
	}
	return StageWindow + "-" + env
}

// classic is the two-environment pipeline every release had before
// environments could be named freely.
var classic = config.Pipeline{Environments: map[string]config.Environment{config.Stage: {}, config.Prod: {}}}

// Stages lists the names of the stages of a release of the classic
// stage-and-prod pipeline, in order; Status.Stages has a release's own.
var Stages = stageNames(plan(classic))

func stageNames(steps []stage) []string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.name
	}
	return names
}

// envOf is the environment a stage of the release works on.
func (r *release) envOf(name string) string {
	for _, s := range r.plan {
		if s.name == name {
			return s.env
		}
	}
	return ""
}

// enter starts a stage and shows it in the search attributes and the
// workflow's current details.
func (r *release) enter(ctx workflow.Context, name string) {
	s := r.st.stage(name)
	s.State = Running
	s.Started = workflow.Now(ctx)
	r.st.Stage = name
	r.st.Env = r.envOf(name)
	err := workflow.UpsertTypedSearchAttributes(ctx,
		ProductKey.ValueSet(r.st.Product),
		TrainKey.ValueSet(int64(r.st.Train)),
		VersionKey.ValueSet(r.st.Version),
		StageKey.ValueSet(name),
		EnvironmentKey.ValueSet(r.st.Env),
	)
	if err != nil {
		r.log.Warn("search attributes not updated", "error", err)
	}
	r.log.Info("stage started", "stage", name, "env", r.st.Env)
	r.show(ctx)
}

// leave ends a stage; a stage that marked itself skipped stays skipped.
func (r *release) leave(ctx workflow.Context, name, state string) {
	s := r.st.stage(name)
	if s.State != Skipped {
		s.State = state
	}
	s.Ended = workflow.Now(ctx)
	r.show(ctx)
}

// detail sets what a stage is doing or did.
func (r *release) detail(ctx workflow.Context, name, detail string) {
	r.st.stage(name).Detail = detail
	r.show(ctx)
}

// wait marks a stage as waiting on people or time.
func (r *release) wait(ctx workflow.Context, name, state, detail string) {
	s := r.st.stage(name)
	s.State = state
	s.Detail = detail
	r.show(ctx)
}

// skip marks a stage as not needed for this release.
func (r *release) skip(ctx workflow.Context, name, why string) {
	r.wait(ctx, name, Skipped, why)
}

// show publishes the stage table as the workflow's current details, which the
// Temporal UI displays.
func (r *release) show(ctx workflow.Context) {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s** (train %d): %s", r.st.Product, r.st.Version, r.st.Train, r.st.State)
	if !r.st.Finished() {
		fmt.Fprintf(&b, ", at %s", r.st.Stage)
	}
	b.WriteString("\n\n| stage | state | detail |\n|---|---|---|\n")
	for _, s := range r.st.Stages {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", s.Name, s.State, strings.ReplaceAll(s.Detail, "|", "/"))
	}
	if pv, ok := r.st.PreviewOf(r.gateOn); ok && r.gateOn != "" {
		fmt.Fprintf(&b, "\n**What changes on %s**\n\n```\n%s```\n", r.gateOn, pv.Text())
	}
	workflow.SetCurrentDetails(ctx, b.String())
}
