package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
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
	// Auth is TriggeredBy's signed statement of this start.
	Auth *identity.Proof `json:"auth,omitempty"`
	// OpsNote is what operators must know before they approve ("run the
	// cache warm-up first, watch the checkout dashboard"): shown at every
	// gate, in the status, the Slack gate message and the Temporal UI, and
	// kept in the release notes. One line.
	OpsNote string `json:"opsNote,omitempty"`
	// Why is a dot release's justification: its reason category and the
	// person's words ("s1 (an S1 bug): checkout rounding").
	Why string `json:"why,omitempty"`
	// Security is set for a security release: Pipeline then names the
	// private repository and the security channel, and this the public
	// side it is uplifted to once in production.
	Security *SecurityRelease `json:"security,omitempty"`
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
	sigs   *signatures
	st     Status
	log    log.Logger
	gateOn string         // the environment whose signoff gate is open, if any
	thread string         // the Slack thread of the release, once posted
	held   *SignoffRecord // the yellow or red signoff holding the release
	// blocked are the vulnerabilities that stop the release now, which
	// an exception may name.
	blocked []contract.Finding
	lifted  *contract.Freeze // the end of the freeze the release waits for
	// superseded is the train's word that a dot release is coming: a
	// held release then ends instead of waiting.
	superseded *SupersedeRequest
	// stopWaits cancels the context of gates, timers and read-only stages
	// when the release is aborted.
	stopWaits workflow.CancelFunc
	// safety is true for releases started since the production safety
	// rules: one release per environment, deploys that fit the window, no
	// downgrades, whole-release rollback. Releases recorded before them
	// replay without.
	safety bool
	// local are the local activities the release runs now, for its status.
	local localSteps
	// claimed are the environments the release holds or waits for, in
	// the order it claimed them; before is what ran in each when its turn
	// came, by service.
	claimed []string
	before  map[string]map[string]contract.Running
	// overlap is true for releases started since signals to an
	// environment's record stopped holding the release up: a deploy's
	// record and a let-go stay in flight while the release goes on, and
	// inFlight holds them until they are known to be delivered.
	overlap  bool
	inFlight []*envSignal
	// plan is the release's stages, from its pipeline's environments.
	plan []stage
}

// ReleaseWorkflow carries one version from tag to production: tag, test,
// build, sign, deploy to stage, QA signoff, SRE approval, deploy window,
// canary, promote, announce.
func ReleaseWorkflow(ctx workflow.Context, in ReleaseInput) (Status, error) {
	sigs := newSignatures(trustOf(in.Pipeline), in.Pipeline.Product, nil)
	// A train's release is started by the train, which holds the
	// request that made it; a person's start is signed by that person.
	var started *Approval
	if workflow.GetInfo(ctx).ParentWorkflowExecution == nil {
		a, err := sigs.checkStart(ctx, ActionReleaseStart, in)
		if err != nil {
			return Status{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("release %s of %s by %s refused: %v", in.Version, in.Pipeline.Product, in.TriggeredBy, err), contract.ErrRefused, nil)
		}
		started = a
	}
	r, err := newRelease(ctx, in)
	if err != nil {
		return Status{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalid, nil)
	}
	r.sigs, r.st.StartAuth = sigs, started
	ctx = withLocalSteps(ctx, &r.local)
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
	r.safety = workflow.GetVersion(ctx, "safety-rules", workflow.DefaultVersion, 1) == 1
	r.overlap = workflow.GetVersion(ctx, "overlap-env-signals", workflow.DefaultVersion, 1) == 1

	for i := 0; i < len(r.plan); {
		if r.st.Abort != nil {
			return r.aborted(ctx)
		}
		// A stage and those that run with it (the deploys of a wave).
		j := i + 1
		for j < len(r.plan) && r.plan[j].with {
			j++
		}
		group := r.plan[i:j]
		i = j
		errs := make([]error, len(group))
		contextOf := func(s stage) workflow.Context {
			if s.stops && (s.name != StageTag || tagStops) {
				return stoppable
			}
			return ctx
		}
		for _, s := range group {
			r.enter(ctx, s.name)
		}
		if len(group) == 1 {
			errs[0] = group[0].run(r, contextOf(group[0]))
		} else {
			wg := workflow.NewWaitGroup(ctx)
			for k, s := range group {
				wg.Add(1)
				workflow.Go(contextOf(s), func(gctx workflow.Context) {
					defer wg.Done()
					errs[k] = s.run(r, gctx)
				})
			}
			wg.Wait(ctx)
		}
		var failed *stage
		var why []error
		for k, s := range group {
			switch {
			case errs[k] == nil:
				r.leave(ctx, s.name, Done)
			case r.st.Abort != nil:
				r.leave(ctx, s.name, Aborted)
			default:
				if failed == nil {
					failed = &group[k]
				}
				why = append(why, errs[k])
			}
		}
		if r.st.Abort != nil && (failed != nil || slices.ContainsFunc(errs, func(err error) bool { return err != nil })) {
			return r.aborted(ctx)
		}
		if failed != nil {
			if len(why) > 1 {
				return r.failed(ctx, failed.name, errors.New(joinCauses(why)))
			}
			return r.failed(ctx, failed.name, why[0])
		}
	}
	r.st.State = Succeeded
	r.letGoAll(ctx)
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
			OpsNote:     in.OpsNote,
			Why:         in.Why,
			Started:     workflow.Now(ctx),
		},
	}
	r.plan = plan(in.Pipeline)
	for _, s := range r.plan {
		prod := s.env != "" && s.name == DeployStage(s.env) && in.Pipeline.IsProduction(s.env)
		r.st.Stages = append(r.st.Stages, StageStatus{Name: s.name, Env: s.env, Production: prod, State: Pending})
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
	return r.packAssets(ctx)
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
			// The vulnerability gate that follows reads the same binary.
			KeepBinary: r.in.Pipeline.Security.Vulnerabilities != nil,
		}, nil)
	})
	if err != nil {
		return err
	}
	r.detail(ctx, StageSign, fmt.Sprintf("%d image(s) signed and attested", len(r.st.Artifacts)))
	return nil
}

// promote makes this release the stable version of every production
// environment, and lets go of them.
func (r *release) promote(ctx workflow.Context) error {
	prod := r.in.Pipeline.Production()
	if len(prod) == 0 {
		r.skip(ctx, StagePromote, "no production environment")
		return nil
	}
	for _, env := range prod {
		err := runIn(ctx, env, contract.PromoteName, contract.PromoteRequest{
			Product:   r.in.Pipeline.Product,
			Version:   r.in.Version,
			Env:       env,
			Artifacts: r.st.Artifacts,
		}, nil)
		if err != nil {
			return err
		}
	}
	if len(prod) == 1 && prod[0] == config.Prod {
		r.detail(ctx, StagePromote, r.in.Version+" is the production version")
	} else {
		r.detail(ctx, StagePromote, r.in.Version+" is the production version on "+strings.Join(prod, ", "))
	}
	for _, env := range prod {
		r.letGo(ctx, env)
	}
	return nil
}

// announce writes the release notes into the release's result and posts
// the release to the product's Slack channel. A failure of either is
// recorded but does not fail a release that is already in production.
func (r *release) announce(ctx workflow.Context) error {
	// A security release is made public first; until that is done its
	// notes stay private.
	if r.in.Security != nil && !r.uplift(ctx) {
		return nil
	}
	if workflow.GetVersion(ctx, "release-notes", workflow.DefaultVersion, 1) == 1 {
		var n contract.ReleaseNotes
		gh := contract.GitHubRepoOf(r.in.Pipeline.Repository)
		err := run(ctx, contract.ReleaseNotesName, contract.NotesRequest{Product: r.in.Pipeline.Product, RepoURL: r.in.Pipeline.Repository.URL, Version: r.in.Version, GitHub: gh}, &n)
		if err != nil {
			r.log.Warn("release notes not written", "error", err)
		}
		r.st.Notes = n.Markdown
		r.st.CommitTimes = n.CommitTimes
		// The notes, and the GitHub release made from them, say who
		// approved the release.
		if workflow.GetVersion(ctx, "notes-approvals", workflow.DefaultVersion, 1) == 1 {
			r.st.Notes += approvalsNotes(r.st) + assetsNotes(r.st)
		}
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
	n := r.in.Pipeline.Notifications
	if n.Slack == nil && n.Webhook == nil {
		r.skip(ctx, StageAnnounce, "no notifications configured")
		return nil
	}
	text := fmt.Sprintf("%s %s is in production (commit %s, release manager %s)\n\n%s", r.in.Pipeline.Product, r.in.Version, short(r.st.Commit), r.in.Manager, r.st.Notes)
	if r.st.NotesURL != "" {
		text += "\n" + r.st.NotesURL
	}
	// The on-call hears of every production deploy.
	req := contract.NotifyRequest{Stage: StageAnnounce, Text: text, Event: contract.EventDeployed, OnCall: r.in.Pipeline.OncallNow(workflow.Now(ctx))}
	if _, err := r.send(ctx, req); err != nil {
		r.detail(ctx, StageAnnounce, "could not post: "+err.Error())
		return nil
	}
	r.detail(ctx, StageAnnounce, "posted to "+channelNames(n))
	return nil
}

// post sends a message to the product's channels, in the release's
// thread; with no channel configured it does nothing.
func (r *release) post(ctx workflow.Context, stage, text string, buttons []contract.NotifyButton) (contract.NotifyResult, error) {
	return r.send(ctx, contract.NotifyRequest{Stage: stage, Text: text, Buttons: buttons})
}

// send sends req, for this release, to the pipeline's channels.
func (r *release) send(ctx workflow.Context, req contract.NotifyRequest) (contract.NotifyResult, error) {
	var res contract.NotifyResult
	if !channels(r.in.Pipeline.Notifications, &req) {
		return res, nil
	}
	req.Product, req.Version, req.ThreadTS = r.in.Pipeline.Product, r.in.Version, r.thread
	if err := run(ctx, contract.NotifyName, req, &res); err != nil {
		r.log.Warn("message not sent", "stage", req.Stage, "error", err)
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
	r.letGoAll(ctx)
	r.postOutcome(ctx, contract.NotifyRequest{Text: msg, Event: "aborted"})
	r.finish(ctx)
	r.log.Info("release aborted", "by", r.st.Abort.Person, "reason", r.st.Abort.Reason)
	return r.st, temporal.NewNonRetryableApplicationError(msg, ErrAborted, nil, r.st)
}

// failed ends the release after a stage failed.
func (r *release) failed(ctx workflow.Context, stage string, err error) (Status, error) {
	r.leave(ctx, stage, Failed)
	r.st.State = Failed
	r.st.Error = fmt.Sprintf("%s: %s", stage, cause(err))
	r.letGoAll(ctx)
	out := contract.NotifyRequest{Text: fmt.Sprintf("%s %s failed at %s: %s", r.st.Product, r.st.Version, stage, cause(err)), Event: contract.EventFailed}
	if r.inProduction(stage) {
		// A failed production release goes to the on-call, and so does
		// a bake that switched production back to the previous version.
		out.OnCall = r.in.Pipeline.OncallNow(workflow.Now(ctx))
		for _, d := range r.st.Deploys {
			if d.Outcome == RolledBack && strings.HasPrefix(d.Reason, "bake: ") {
				out.Event = contract.EventBakeSwitch
			}
		}
	}
	r.postOutcome(ctx, out)
	r.finish(ctx)
	r.log.Error("release failed", "stage", stage, "error", err)
	return r.st, temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%s %s failed at %s: %s", r.st.Product, r.st.Version, stage, cause(err)), ErrStageFailed, err, r.st)
}

// postOutcome tells the release's channels how a release that did not
// succeed ended. It posts even if the release is being cancelled.
func (r *release) postOutcome(ctx workflow.Context, req contract.NotifyRequest) {
	n := r.in.Pipeline.Notifications
	if n.Slack == nil && n.Webhook == nil || workflow.GetVersion(ctx, "slack-outcomes", workflow.DefaultVersion, 1) != 1 {
		return
	}
	pctx, _ := workflow.NewDisconnectedContext(ctx)
	req.Stage = r.st.Stage
	_, _ = r.send(pctx, req)
}

// inProduction reports whether a stage belongs to a production
// environment (its window, approval or deploy).
func (r *release) inProduction(stage string) bool {
	for _, s := range r.plan {
		if s.name == stage {
			return s.env != "" && r.in.Pipeline.IsProduction(s.env)
		}
	}
	return false
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

// joinCauses joins the causes of errs, one after another.
func joinCauses(errs []error) string {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = cause(err)
	}
	return strings.Join(msgs, "; ")
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
