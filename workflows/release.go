package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
)

// ReleaseInput starts one version of a product. It carries the validated
// pipeline file, never a secret.
type ReleaseInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	Version  string          `json:"version"`
	// Ref is the commit or branch tagged as Version (default: the main branch).
	Ref         string    `json:"ref,omitempty"`
	TriggeredBy string    `json:"triggeredBy"`
	ETA         time.Time `json:"eta,omitempty"`
	// Manager is the release manager when not the person who triggered it
	// (a scheduled candidate's): they decide on held releases.
	Manager string `json:"manager,omitempty"`
}

// Failure types a release ends with.
const (
	ErrAborted     = "ReleaseAborted"
	ErrStageFailed = "StageFailed"
	ErrInvalid     = "InvalidRelease"
)

// errAborted stops a stage because someone aborted the release.
var errAborted = errors.New("release aborted")

// release is the state of one ReleaseWorkflow run.
type release struct {
	in     ReleaseInput
	st     Status
	log    log.Logger
	gateOn string           // the environment whose signoff gate is open, if any
	thread string           // the Slack thread of the release, once posted
	held   *SignoffRecord   // the yellow or red signoff holding the release
	lifted *contract.Freeze // the end of the freeze the release waits for
	// superseded is the train's word that a dot release is coming: a
	// held release then ends instead of waiting.
	superseded *SupersedeRequest
	// stopWaits cancels the context of gates, timers and read-only stages
	// when the release is aborted.
	stopWaits workflow.CancelFunc
}

// ReleaseWorkflow carries one version from tag to production: tag, test,
// build, sign, deploy to stage, QA signoff, SRE approval, deploy window,
// canary, promote, announce.
func ReleaseWorkflow(ctx workflow.Context, in ReleaseInput) (Status, error) {
	r, err := newRelease(ctx, in)
	if err != nil {
		return Status{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalid, nil)
	}
	// An abort cancels the stoppable context at once. Stages that run on it
	// stop cleanly: gates and timers end, activities are cancelled (a tag
	// not yet pushed is not pushed; a push under way finishes), and a
	// service caught mid-deploy is rolled back by its deploy workflow.
	// Promote and announce run once production has the release, where an
	// abort is refused. Releases recorded before a tag could be stopped
	// replay with a tag that runs to its end.
	stoppable, stop := workflow.WithCancel(ctx)
	r.stopWaits = stop
	if err := r.listen(ctx); err != nil {
		return r.st, err
	}
	tagStops := workflow.GetVersion(ctx, "stoppable-tag", workflow.DefaultVersion, 1) == 1

	steps := []struct {
		name      string
		stoppable bool
		run       func(workflow.Context) error
	}{
		{StageTag, tagStops, r.tag},
		{StageTest, true, r.test},
		{StageBuild, true, r.build},
		{StageSign, true, r.sign},
		{StageDeployStage, true, func(ctx workflow.Context) error { return r.deploy(ctx, config.Stage) }},
		{StageQASignoff, true, func(ctx workflow.Context) error { return r.signoffs(ctx, config.Stage) }},
		{StageApproval, true, func(ctx workflow.Context) error { return r.signoffs(ctx, config.Prod) }},
		{StageWindow, true, r.window},
		{StageCanary, true, func(ctx workflow.Context) error { return r.deploy(ctx, config.Prod) }},
		{StagePromote, false, r.promote},
		{StageAnnounce, false, r.announce},
	}
	for _, s := range steps {
		if r.st.Abort != nil {
			return r.aborted(ctx)
		}
		r.enter(ctx, s.name)
		sctx := ctx
		if s.stoppable {
			sctx = stoppable
		}
		err := s.run(sctx)
		if r.st.Abort != nil && err != nil {
			r.leave(ctx, s.name, Aborted)
			return r.aborted(ctx)
		}
		if err != nil {
			return r.failed(ctx, s.name, err)
		}
		r.leave(ctx, s.name, Done)
	}
	r.st.State = Succeeded
	r.finish(ctx)
	r.log.Info("release succeeded")
	return r.st, nil
}

func newRelease(ctx workflow.Context, in ReleaseInput) (*release, error) {
	v, err := version.Parse(in.Version)
	if err != nil {
		return nil, fmt.Errorf("release of %s: %w", in.Pipeline.Product, err)
	}
	if in.Pipeline.Product == "" {
		return nil, fmt.Errorf("release %s: the pipeline names no product", in.Version)
	}
	if in.TriggeredBy == "" {
		return nil, fmt.Errorf("release %s of %s: who triggered it is unknown", in.Version, in.Pipeline.Product)
	}
	if in.Ref == "" {
		in.Ref = in.Pipeline.Repository.MainBranch
	}
	if in.Manager == "" {
		in.Manager = in.TriggeredBy
	}
	r := &release{
		in:  in,
		log: log.With(workflow.GetLogger(ctx), "product", in.Pipeline.Product, "version", in.Version),
		st: Status{
			Product:     in.Pipeline.Product,
			Version:     in.Version,
			Train:       v.Train,
			TriggeredBy: in.TriggeredBy,
			Manager:     in.Manager,
			State:       Running,
			ETA:         in.ETA,
			Started:     workflow.Now(ctx),
		},
	}
	for _, name := range Stages {
		r.st.Stages = append(r.st.Stages, StageStatus{Name: name, State: Pending})
	}
	return r, nil
}

// tag creates the annotated release tag and pushes it.
func (r *release) tag(ctx workflow.Context) error {
	p := r.in.Pipeline
	var res contract.TagResult
	err := run(ctx, contract.TagName, contract.TagRequest{
		Product: p.Product,
		RepoURL: p.Repository.URL,
		Ref:     r.in.Ref,
		Tag:     r.in.Version,
		Message: fmt.Sprintf("%s %s, released by %s", p.Product, r.in.Version, r.in.TriggeredBy),
	}, &res)
	if err != nil {
		return err
	}
	r.st.Commit = res.Commit
	r.detail(ctx, StageTag, fmt.Sprintf("%s at %s, pushed to %s", r.in.Version, short(res.Commit), p.Repository.URL))
	return nil
}

// test runs the product's test command on the tagged commit.
func (r *release) test(ctx workflow.Context) error {
	t := r.in.Pipeline.Tests
	if t.GitHubChecks {
		if err := r.githubChecks(ctx); err != nil {
			return err
		}
	}
	if t.Command == "" {
		if !t.GitHubChecks {
			r.skip(ctx, StageTest, "no test command configured")
		}
		return nil
	}
	var res contract.TestResult
	err := run(ctx, contract.RunTestsName, contract.TestRequest{
		Product:        r.in.Pipeline.Product,
		RepoURL:        r.in.Pipeline.Repository.URL,
		Tag:            r.in.Version,
		Commit:         r.st.Commit,
		Command:        t.Command,
		TimeoutSeconds: int(t.Timeout / time.Second),
	}, &res)
	if err != nil {
		return err
	}
	r.detail(ctx, StageTest, fmt.Sprintf("%q passed in %.1fs", t.Command, res.Seconds))
	return nil
}

// githubChecks waits until the repository's CI checks on the tagged commit
// have passed; a failing check fails the stage.
func (r *release) githubChecks(ctx workflow.Context) error {
	gh := contract.GitHubRepoOf(r.in.Pipeline.Repository)
	r.wait(ctx, StageTest, Waiting, fmt.Sprintf("waiting for the CI checks of %s in %s", short(r.st.Commit), gh.Repo))
	var res contract.ChecksResult
	if err := run(ctx, contract.WaitForChecksName, contract.ChecksRequest{GitHub: gh, Commit: r.st.Commit}, &res); err != nil {
		return err
	}
	r.wait(ctx, StageTest, Running, fmt.Sprintf("CI checks of %s passed (%d look(s), %.0fs)", short(r.st.Commit), res.Polls, res.Seconds))
	return nil
}

// build builds every service's image in parallel.
func (r *release) build(ctx workflow.Context) error {
	// One build number for the whole release, taken before any build so
	// that every service's tag carries the same number. Releases recorded
	// before build numbers existed replay without the call.
	number := 0
	if workflow.GetVersion(ctx, "build-number", workflow.DefaultVersion, 1) == 1 {
		err := run(ctx, contract.BuildNumberName, contract.BuildNumberRequest{Product: r.in.Pipeline.Product}, &number)
		if err != nil {
			return err
		}
	}
	services := r.in.Pipeline.OrderedServices()
	arts := make([]contract.Artifact, len(services))
	err := parallel(ctx, len(services), r.in.Pipeline.Release.BuildParallelism, func(ctx workflow.Context, i int) error {
		return run(ctx, contract.BuildName, contract.BuildRequest{
			Product: r.in.Pipeline.Product,
			Version: r.in.Version,
			Commit:  r.st.Commit,
			RepoURL: r.in.Pipeline.Repository.URL,
			Service: services[i].Name,
			Build:   services[i].Build,
			Number:  number,
		}, &arts[i])
	})
	if err != nil {
		return err
	}
	r.st.Artifacts = arts
	// The memo shows in the Temporal UI, so the digests that shipped are
	// readable there without a query.
	digests := map[string]string{}
	for _, a := range arts {
		digests[a.Service] = a.Ref()
	}
	if workflow.GetVersion(ctx, "images-memo", workflow.DefaultVersion, 1) == 1 {
		if err := workflow.UpsertMemo(ctx, map[string]any{"images": digests}); err != nil {
			r.log.Warn("memo not updated", "error", err)
		}
	}
	r.detail(ctx, StageBuild, fmt.Sprintf("build %d: %d image(s) pushed", number, len(arts)))
	return nil
}

// sign signs and attests every image.
func (r *release) sign(ctx workflow.Context) error {
	invocation := workflow.GetInfo(ctx).WorkflowExecution.ID
	err := parallel(ctx, len(r.st.Artifacts), r.in.Pipeline.Release.BuildParallelism, func(ctx workflow.Context, i int) error {
		a := r.st.Artifacts[i]
		svc, _ := r.in.Pipeline.Service(a.Service)
		return run(ctx, contract.SignName, contract.SignRequest{
			Product:    r.in.Pipeline.Product,
			Version:    r.in.Version,
			Commit:     r.st.Commit,
			RepoURL:    r.in.Pipeline.Repository.URL,
			Artifact:   a,
			Build:      svc.Build,
			Invocation: invocation,
		}, nil)
	})
	if err != nil {
		return err
	}
	r.detail(ctx, StageSign, fmt.Sprintf("%d image(s) signed and attested", len(r.st.Artifacts)))
	return nil
}

// deploy deploys every service to env, in configured order, each as a
// child workflow; the first failure stops the services after it.
func (r *release) deploy(ctx workflow.Context, env string) error {
	p := r.in.Pipeline
	e := p.Environments[env]
	stage := r.st.Stage
	services := p.OrderedServices()
	for i, svc := range services {
		r.detail(ctx, stage, fmt.Sprintf("%s (%d of %d)", svc.Name, i+1, len(services)))
		art, ok := r.artifact(svc.Name)
		if !ok {
			return fmt.Errorf("deploy %s to %s: no artifact was built for it", svc.Name, env)
		}
		r.st.Deploying = DeployID(p.Product, r.in.Version, env, svc.Name)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:          r.st.Deploying,
			WaitForCancellation: true,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				ProductKey.ValueSet(p.Product), TrainKey.ValueSet(int64(r.st.Train)),
				VersionKey.ValueSet(r.in.Version), EnvironmentKey.ValueSet(env), StageKey.ValueSet(StageDeploying)),
		})
		var res DeployResult
		err := workflow.ExecuteChildWorkflow(cctx, ServiceDeployWorkflow, DeployInput{
			Product:    p.Product,
			Version:    r.in.Version,
			Commit:     r.st.Commit,
			RepoURL:    p.Repository.URL,
			Env:        env,
			Target:     e.Target,
			Service:    svc,
			Canary:     e.Canary,
			Artifact:   art,
			Migrations: p.MigrationsBefore(svc.Name),
			Deciders:   r.deciders(env),
			Slack:      r.deploySlack(),
			VerifyKeys: e.VerifyKeys,
		}).Get(ctx, &res)
		r.st.Deploying = ""
		if err != nil {
			failed := DeployResult{Service: svc.Name, Env: env, Digest: art.Digest, Outcome: Failed, Reason: err.Error()}
			// A rolled-back deploy carries its result, verdicts and all.
			var app *temporal.ApplicationError
			if errors.As(err, &app) && app.Type() == ErrRolledBack && app.HasDetails() && app.Details(&res) == nil {
				failed = res
			}
			r.st.Deploys = append(r.st.Deploys, failed)
			return fmt.Errorf("deploy %s to %s failed, %d service(s) after it not deployed: %s", svc.Name, env, len(services)-i-1, cause(err))
		}
		r.st.Deploys = append(r.st.Deploys, res)
	}
	r.detail(ctx, stage, fmt.Sprintf("%d service(s) on %s", len(services), env))
	return nil
}

// promote makes this release the stable production version.
func (r *release) promote(ctx workflow.Context) error {
	err := runIn(ctx, config.Prod, contract.PromoteName, contract.PromoteRequest{
		Product:   r.in.Pipeline.Product,
		Version:   r.in.Version,
		Env:       config.Prod,
		Artifacts: r.st.Artifacts,
	}, nil)
	if err != nil {
		return err
	}
	r.detail(ctx, StagePromote, r.in.Version+" is the production version")
	return nil
}

// announce writes the release notes into the release's result and posts
// the release to the product's Slack channel. A failure of either is
// recorded but does not fail a release that is already in production.
func (r *release) announce(ctx workflow.Context) error {
	if workflow.GetVersion(ctx, "release-notes", workflow.DefaultVersion, 1) == 1 {
		var n contract.ReleaseNotes
		gh := contract.GitHubRepoOf(r.in.Pipeline.Repository)
		err := run(ctx, contract.ReleaseNotesName, contract.NotesRequest{Product: r.in.Pipeline.Product, RepoURL: r.in.Pipeline.Repository.URL, Version: r.in.Version, GitHub: gh}, &n)
		if err != nil {
			r.log.Warn("release notes not written", "error", err)
		}
		r.st.Notes = n.Markdown
		r.st.CommitTimes = n.CommitTimes
		if gh.Repo != "" && err == nil && workflow.GetVersion(ctx, "github-release", workflow.DefaultVersion, 1) == 1 {
			var pub contract.PublishResult
			err := run(ctx, contract.PublishReleaseName, contract.PublishRequest{
				GitHub: gh, Tag: r.in.Version, Name: r.in.Pipeline.Product + " " + r.in.Version, Body: r.st.Notes,
			}, &pub)
			if err != nil {
				r.log.Warn("GitHub release not published", "error", err)
			} else {
				r.st.NotesURL = pub.URL
			}
		}
	}
	s := r.in.Pipeline.Notifications.Slack
	if s == nil {
		r.skip(ctx, StageAnnounce, "no notifications configured")
		return nil
	}
	text := fmt.Sprintf("%s %s is in production (commit %s, release manager %s)\n\n%s", r.in.Pipeline.Product, r.in.Version, short(r.st.Commit), r.in.Manager, r.st.Notes)
	if r.st.NotesURL != "" {
		text += "\n" + r.st.NotesURL
	}
	if _, err := r.post(ctx, StageAnnounce, text, nil); err != nil {
		r.detail(ctx, StageAnnounce, "could not post to Slack: "+err.Error())
		return nil
	}
	r.detail(ctx, StageAnnounce, "posted to "+s.Channel)
	return nil
}

// post sends a message to the product's Slack channel, in the release's
// thread; with no Slack configured it does nothing.
func (r *release) post(ctx workflow.Context, stage, text string, buttons []contract.NotifyButton) (contract.NotifyResult, error) {
	var res contract.NotifyResult
	s := r.in.Pipeline.Notifications.Slack
	if s == nil {
		return res, nil
	}
	err := run(ctx, contract.NotifyName, contract.NotifyRequest{
		Product: r.in.Pipeline.Product, Version: r.in.Version, Channel: s.Channel, TokenEnv: s.TokenEnv,
		Text: text, Stage: stage, ThreadTS: r.thread, Buttons: buttons,
	}, &res)
	if err != nil {
		r.log.Warn("Slack message not posted", "stage", stage, "error", err)
		return res, err
	}
	if r.thread == "" {
		r.thread = res.TS
	}
	return res, nil
}

// replace rewrites a message posted earlier with text and no buttons, so
// nobody presses a button whose moment has passed. Messages posted before
// their channel was recorded are left as they are.
func (r *release) replace(ctx workflow.Context, stage string, msg contract.NotifyResult, text string) {
	s := r.in.Pipeline.Notifications.Slack
	if s == nil || msg.Channel == "" || msg.TS == "" {
		return
	}
	err := run(ctx, contract.NotifyName, contract.NotifyRequest{
		Product: r.in.Pipeline.Product, Version: r.in.Version, Channel: msg.Channel, TokenEnv: s.TokenEnv,
		Text: text, Stage: stage, Replace: msg.TS,
	}, nil)
	if err != nil {
		r.log.Warn("Slack message not replaced", "stage", stage, "error", err)
	}
}

// deploySlack is the release's Slack thread for its deploys' questions.
func (r *release) deploySlack() *DeploySlack {
	s := r.in.Pipeline.Notifications.Slack
	if s == nil {
		return nil
	}
	return &DeploySlack{Channel: s.Channel, TokenEnv: s.TokenEnv, ThreadTS: r.thread}
}

// GateButton is the value a Slack button carries: a signoff's verdict, or
// a service's canary decision.
type GateButton struct {
	Product string `json:"product"`
	Version string `json:"version"`
	Env     string `json:"env"`
	Verdict string `json:"verdict,omitempty"`
	Service string `json:"service,omitempty"`
	// Canary is CanaryContinue or CanaryRollback on a canary question.
	Canary string `json:"canary,omitempty"`
}

// Answers to a canary question.
const (
	CanaryContinue = "continue"
	CanaryRollback = "rollback"
)

// artifact returns the image built for a service.
func (r *release) artifact(service string) (contract.Artifact, bool) {
	return artifactOf(r.st.Artifacts, service)
}

// deciders are the people who may decide on a marginal canary in env: the
// release manager, env's approvers and those who may approve exceptions.
func (r *release) deciders(env string) []string {
	people := []string{r.in.TriggeredBy, r.in.Manager}
	people = append(people, r.in.Pipeline.Release.Managers...)
	for _, s := range r.in.Pipeline.Environments[env].Signoffs {
		people = append(people, r.in.Pipeline.Approvers[s.Role]...)
	}
	return append(people, r.in.Pipeline.Approvers[r.in.Pipeline.Release.ExceptionRole]...)
}

// aborted ends the release after an abort.
func (r *release) aborted(ctx workflow.Context) (Status, error) {
	r.st.State = Aborted
	for i := range r.st.Stages {
		if r.st.Stages[i].State == Pending {
			r.st.Stages[i].State = Skipped
		}
	}
	msg := fmt.Sprintf("%s %s aborted by %s: %s", r.st.Product, r.st.Version, r.st.Abort.Person, r.st.Abort.Reason)
	r.postOutcome(ctx, msg)
	r.finish(ctx)
	r.log.Info("release aborted", "by", r.st.Abort.Person, "reason", r.st.Abort.Reason)
	return r.st, temporal.NewNonRetryableApplicationError(msg, ErrAborted, nil, r.st)
}

// failed ends the release after a stage failed.
func (r *release) failed(ctx workflow.Context, stage string, err error) (Status, error) {
	r.leave(ctx, stage, Failed)
	r.st.State = Failed
	r.st.Error = fmt.Sprintf("%s: %s", stage, cause(err))
	r.postOutcome(ctx, fmt.Sprintf("%s %s failed at %s: %s", r.st.Product, r.st.Version, stage, cause(err)))
	r.finish(ctx)
	r.log.Error("release failed", "stage", stage, "error", err)
	return r.st, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%s %s failed at %s: %s", r.st.Product, r.st.Version, stage, cause(err)), ErrStageFailed, err, r.st)
}

// postOutcome tells the release's Slack thread how a release that did not
// succeed ended. It posts even if the release is being cancelled.
func (r *release) postOutcome(ctx workflow.Context, text string) {
	if r.in.Pipeline.Notifications.Slack == nil || workflow.GetVersion(ctx, "slack-outcomes", workflow.DefaultVersion, 1) != 1 {
		return
	}
	pctx, _ := workflow.NewDisconnectedContext(ctx)
	_, _ = r.post(pctx, r.st.Stage, text, nil)
}

// finish records the end and waits for message handlers to complete.
func (r *release) finish(ctx workflow.Context) {
	r.st.Ended = workflow.Now(ctx)
	r.gateOn = ""
	r.show(ctx)
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// cause is the innermost message of a Temporal error chain, which is what a
// person needs to read: an application error's own message, without the
// type and retry flags its Error adds.
func cause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			var app *temporal.ApplicationError
			if errors.As(err, &app) {
				return app.Message()
			}
			return err.Error()
		}
		err = next
	}
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
