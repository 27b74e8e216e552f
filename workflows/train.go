package workflows

import (
	"fmt"
	"regexp"
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

// SupersedeRequest says which dot request supersedes a held release.
type SupersedeRequest struct {
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// TrainID is the workflow ID of one train of a product.
func TrainID(product string, train int) string {
	return fmt.Sprintf("train/%s/%d", product, train)
}

// DotRequest asks for a dot release: commits already on main, picked onto
// the train branch one at a time, in order.
type DotRequest struct {
	Commits []string `json:"commits"`
	By      string   `json:"by"`
	Reason  string   `json:"reason,omitempty"`
	// Category is why a dot release is justified, one of DotReasons; the
	// CLI requires it (requests from before it, or from the Temporal UI,
	// may lack it).
	Category string `json:"category,omitempty"`
	// OpsNote is what operators must know before they approve the dot
	// release (ReleaseInput.OpsNote).
	OpsNote string `json:"opsNote,omitempty"`
	// From is the older train a hotfix came from, when it fans out.
	From int `json:"from,omitempty"`
	// Origin is the train the person asked, and Asked their reason, which
	// the person's signed statement (Auth) names, as the request fans out.
	Origin int    `json:"origin,omitempty"`
	Asked  string `json:"asked,omitempty"`
	// Security makes it a security release: the commits are on the main
	// branch of the private repository (Private, default the pipeline's
	// repository.private_url), and the release ships from there, made
	// public only once in production.
	Security bool   `json:"security,omitempty"`
	Private  string `json:"private,omitempty"`
	// Auth is the person's signed statement of the request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// privateURL is the private repository a security request's commits are in.
func (r DotRequest) privateURL(p config.Pipeline) string {
	if r.Private != "" {
		return r.Private
	}
	return p.Repository.PrivateURL
}

// CloseRequest ends a train.
type CloseRequest struct {
	By string `json:"by"`
	// Auth is the person's signed statement of the request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// TrainInput starts a train, or carries one on across continue-as-new.
type TrainInput struct {
	Pipeline    config.Pipeline `json:"pipeline"`
	Train       int             `json:"train"`
	TriggeredBy string          `json:"triggeredBy"`
	// Manager is the train's release manager (default: TriggeredBy).
	Manager string `json:"manager,omitempty"`
	// Cutoff is when the train is cut and tagged; until then what is still
	// open for it is listed and announced (zero: at once).
	Cutoff time.Time `json:"cutoff,omitempty"`
	// ContinueAfter continues the train as new after this many dot
	// requests in one run (0: only when Temporal suggests it), to keep
	// each run's history short.
	ContinueAfter int `json:"continueAfter,omitempty"`
	// Auth is TriggeredBy's signed statement of the train's start.
	Auth *identity.Proof `json:"auth,omitempty"`
	// Nonces are the signed requests accepted and not yet expired.
	Nonces map[string]time.Time `json:"nonces,omitempty"`
	// State carried across continue-as-new.
	Cut bool `json:"cut,omitempty"`
	// Open are the pull requests still open for the train when it was
	// announced, and at the cutoff.
	Open      []contract.PullRequest `json:"open,omitempty"`
	OpenAtCut []contract.PullRequest `json:"openAtCut,omitempty"`
	Patch     int                    `json:"patch,omitempty"`
	Pending   []DotRequest           `json:"pending,omitempty"`
	Releases  []TrainRelease         `json:"releases,omitempty"`
	// Gathering is when the dot release being gathered is tagged: the
	// requests that arrive before then ride along (release.dot_gather).
	Gathering time.Time `json:"gathering,omitempty"`
}

// TrainRelease is one release of a train.
type TrainRelease struct {
	Version string   `json:"version"`
	Commits []string `json:"commits,omitempty"`
	State   string   `json:"state"`
	Error   string   `json:"error,omitempty"`
	// Why justifies a dot release: its reason and the person's words.
	Why string `json:"why,omitempty"`
	// Private is the private repository a security release shipped from;
	// Uplift its making public, and Notes its notes once public.
	Private string      `json:"private,omitempty"`
	Uplift  *UpliftTask `json:"uplift,omitempty"`
	Notes   string      `json:"notes,omitempty"`
}

// DotReasons are the reasons a dot release may be made for, and what each
// means; a dot request names one.
var DotReasons = map[string]string{
	"s1":           "an S1 bug in production",
	"test-failure": "a real test failure",
	"deadline":     "a deadline",
	"other":        "another reason, given in words",
}

// DotReasonNames lists DotReasons' names, in the order the CLI shows them.
func DotReasonNames() []string { return []string{"s1", "test-failure", "deadline", "other"} }

// Why is a dot request's justification as the release, its status and
// its notes show it.
func (r DotRequest) Why() string {
	switch {
	case r.Category == "":
		return r.Reason
	case r.Reason == "":
		return r.Category + " (" + DotReasons[r.Category] + ")"
	}
	return r.Category + " (" + DotReasons[r.Category] + "): " + r.Reason
}

// TrainStatus is what the train's status query returns.
type TrainStatus struct {
	Product string    `json:"product"`
	Train   int       `json:"train"`
	Branch  string    `json:"branch"`
	Manager string    `json:"manager,omitempty"`
	Cutoff  time.Time `json:"cutoff,omitempty"`
	Cut     bool      `json:"cut"`
	// Open are the pull requests still open for the train when it was
	// announced; OpenAtCut those that missed the cutoff.
	Open      []contract.PullRequest `json:"open,omitempty"`
	OpenAtCut []contract.PullRequest `json:"openAtCut,omitempty"`
	Releases  []TrainRelease         `json:"releases"`
	Pending   []DotRequest           `json:"pending,omitempty"`
	// Gathering is when the pending dot requests are tagged together.
	Gathering time.Time `json:"gathering,omitempty"`
	Closed    bool      `json:"closed"`
}

var commitPattern = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// train is the state of one TrainWorkflow run.
type train struct {
	in     TrainInput
	log    log.Logger
	closed bool
	sigs   *signatures
	// retries are uplifts people asked to try again.
	retries []UpliftRetry
}

// TrainWorkflow carries one train: it cuts train-N from main, releases
// v1.N.0, then takes dot-release requests one at a time: picks the commits
// onto the branch (a conflict stops that request and leaves the branch as
// it was), releases v1.N.x, and sends the same commits to every newer
// train, lowest first, so the next train cannot regress. It continues as
// new when Temporal suggests it, carrying every pending request.
func TrainWorkflow(ctx workflow.Context, in TrainInput) (TrainStatus, error) {
	if in.Train < 1 {
		return TrainStatus{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("train %d of %s: want a train number of 1 or more", in.Train, in.Pipeline.Product), ErrInvalid, nil)
	}
	asked := in
	if in.Manager == "" {
		// The owner of this train in the rotation, else whoever started it.
		in.Manager = in.Pipeline.OwnerOf(in.Train)
	}
	if in.Manager == "" {
		in.Manager = in.TriggeredBy
	}
	t := &train{in: in, log: log.With(workflow.GetLogger(ctx), "product", in.Pipeline.Product, "train", in.Train)}
	t.sigs = newSignatures(trustOf(in.Pipeline), in.Pipeline.Product, in.Nonces)
	t.in.Nonces = t.sigs.used
	// A person starts a train; a train continued as new carries on.
	if info := workflow.GetInfo(ctx); info.ContinuedExecutionRunID == "" && info.ParentWorkflowExecution == nil {
		if _, err := t.sigs.checkStart(ctx, ActionTrainStart, asked); err != nil {
			return TrainStatus{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("train %d of %s by %s refused: %v", in.Train, in.Pipeline.Product, in.TriggeredBy, err), contract.ErrRefused, nil)
		}
	}
	if err := t.listen(ctx); err != nil {
		return t.status(), err
	}
	if !t.in.Cut {
		// Trains recorded before this step existed replay without it.
		if workflow.GetVersion(ctx, "before-tagging", workflow.DefaultVersion, 1) == 1 {
			if err := t.beforeTagging(ctx); err != nil {
				return t.status(), err
			}
		}
		err := run(ctx, contract.CutTrainName, contract.CutRequest{
			Product: in.Pipeline.Product, RepoURL: in.Pipeline.Repository.URL, MainBranch: in.Pipeline.Repository.MainBranch, Train: in.Train,
		}, nil)
		if err != nil {
			return t.status(), err
		}
		t.in.Cut = true
		t.release(ctx, version.ForTrain(in.Pipeline.Versioning.Major, in.Train).String(), version.Branch(in.Train), nil, "", "", "")
	}
	handled := 0
	for {
		// A closed train ends once its dot requests are done and no
		// security release of it waits to be made public.
		done := func() bool { return t.closed && len(t.openUplifts()) == 0 }
		ready := func() bool { return len(t.in.Pending) > 0 || len(t.retries) > 0 || done() }
		// Open uplift tasks are posted daily until they are done.
		if wait := t.nextReminder(ctx); wait > 0 {
			if _, err := workflow.AwaitWithTimeout(ctx, wait, ready); err != nil {
				return t.status(), err
			}
			t.remind(ctx)
		} else if err := workflow.Await(ctx, ready); err != nil {
			return t.status(), err
		}
		for len(t.retries) > 0 {
			req := t.retries[0]
			t.retries = t.retries[1:]
			t.retryUplift(ctx, req)
		}
		if len(t.in.Pending) == 0 {
			if done() {
				break
			}
			continue
		}
		t.dot(ctx, t.next(ctx))
		handled++
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() || (t.in.ContinueAfter > 0 && handled >= t.in.ContinueAfter) {
			// Requests that arrived during this run are in t.in.Pending
			// already (handlers append to it), so none is lost.
			_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
			t.drain(ctx)
			return t.status(), workflow.NewContinueAsNewError(ctx, TrainWorkflow, t.in)
		}
	}
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return t.status(), nil
}

// next takes the next dot release's requests off the queue: the first
// alone, or, with release.dot_gather, every person's request that arrives
// until the gather ends (a hotfix fanned out from an older train goes on
// its own, as it was released there).
func (t *train) next(ctx workflow.Context) []DotRequest {
	first := t.in.Pending[0]
	gather := t.in.Pipeline.Release.DotGather
	if gather <= 0 || first.From != 0 || first.Security {
		t.in.Pending = t.in.Pending[1:]
		return []DotRequest{first}
	}
	if t.in.Gathering.IsZero() {
		t.in.Gathering = workflow.Now(ctx).Add(gather)
		t.announce(ctx, t.plan(t.describe(ctx)))
	}
	// A closed train takes no more requests: tag what there is.
	_, _ = workflow.AwaitWithTimeout(ctx, t.in.Gathering.Sub(workflow.Now(ctx)), func() bool { return t.closed })
	t.in.Gathering = time.Time{}
	var batch, rest []DotRequest
	for _, req := range t.in.Pending {
		if req.From == 0 && !req.Security {
			batch = append(batch, req)
		} else {
			rest = append(rest, req)
		}
	}
	t.in.Pending = rest
	return batch
}

// nextDot is the version the train's next dot release gets.
func (t *train) nextDot() version.Version {
	return version.Version{Major: t.in.Pipeline.Versioning.Major, Train: t.in.Train, Patch: t.in.Patch + 1}
}

// plan is the announcement of a dot release being gathered: each pick
// with its author and subject where known, who asked and why.
func (t *train) plan(commits map[string]contract.CommitInfo) string {
	p := t.in.Pipeline
	next := t.nextDot()
	var b strings.Builder
	fmt.Fprintf(&b, "%s train %d: tagging %s at %s with:", p.Product, t.in.Train, next, t.in.Gathering.UTC().Format("15:04 MST"))
	for _, req := range t.in.Pending {
		// A security fix is never announced before it is public.
		if req.From != 0 || req.Security {
			continue
		}
		picks := make([]string, len(req.Commits))
		for i, c := range req.Commits {
			picks[i] = c
			if info, ok := commits[c]; ok {
				picks[i] = fmt.Sprintf("%s %q (%s)", short(c), info.Subject, info.Author)
			}
		}
		fmt.Fprintf(&b, "\n- %s from %s: %s", strings.Join(picks, ", "), req.By, req.Why())
	}
	fmt.Fprintf(&b, "\nMore fixes may ride along until then: signalman dot %s --train %d --pick SHA --reason ... --because ...", p.Product, t.in.Train)
	return b.String()
}

// describe reads the author and subject of the pending requests' picks;
// trains recorded before the plan named them replay without it, and a
// plan without them is still a plan.
func (t *train) describe(ctx workflow.Context) map[string]contract.CommitInfo {
	var none contract.NotifyRequest
	if !channels(t.in.Pipeline.Notifications, &none) || workflow.GetVersion(ctx, "plan-authors", workflow.DefaultVersion, 1) != 1 {
		return nil
	}
	var commits []string
	for _, req := range t.in.Pending {
		if req.From == 0 && !req.Security {
			commits = append(commits, req.Commits...)
		}
	}
	var infos []contract.CommitInfo
	p := t.in.Pipeline
	if err := run(ctx, contract.DescribeCommitsName, contract.DescribeRequest{Product: p.Product, RepoURL: p.Repository.URL, Commits: commits}, &infos); err != nil {
		t.log.Warn("picks not described", "error", err)
		return nil
	}
	out := map[string]contract.CommitInfo{}
	for _, info := range infos {
		out[info.SHA] = info
	}
	return out
}

// dot carries out one dot release: the commits of its requests, in the
// order they were asked for, picked onto the branch together (a conflict
// stops them all and leaves the branch as it was), released, and sent on
// to newer trains.
func (t *train) dot(ctx workflow.Context, reqs []DotRequest) {
	p := t.in.Pipeline
	next := t.nextDot()
	var commits, whys, notes []string
	for _, req := range reqs {
		if req.OpsNote != "" && !slices.Contains(notes, req.OpsNote) {
			notes = append(notes, req.OpsNote)
		}
		for _, c := range req.Commits {
			if !slices.Contains(commits, c) {
				commits = append(commits, c)
			}
		}
		if w := req.Why(); w != "" {
			if len(reqs) > 1 {
				w = req.By + ": " + w
			}
			whys = append(whys, w)
		}
	}
	why := strings.Join(whys, "; ")
	// A security release goes alone (next), from the private repository.
	private := ""
	if reqs[0].Security {
		private = reqs[0].privateURL(p)
	}
	var picked contract.PickResult
	err := run(ctx, contract.CherryPickName, contract.PickRequest{
		Product: p.Product, RepoURL: p.Repository.URL, MainBranch: p.Repository.MainBranch, Train: t.in.Train, Commits: commits, Private: private,
	}, &picked)
	if err != nil {
		t.in.Releases = append(t.in.Releases, TrainRelease{Version: next.String(), Commits: commits, State: Failed, Error: cause(err), Why: why})
		t.log.Error("dot release stopped", "commits", commits, "error", err)
		return
	}
	if picked.New == 0 {
		t.in.Releases = append(t.in.Releases, TrainRelease{Commits: commits, State: Skipped, Error: "every commit is on the branch already", Why: why})
	} else {
		t.in.Patch++
		t.release(ctx, next.String(), picked.Head, commits, why, strings.Join(notes, "; "), private)
	}
	for _, req := range reqs {
		t.fanOut(ctx, req)
	}
}

// release runs a release of the train as a child and records its outcome.
// A security release (private set) ships from the private repository.
func (t *train) release(ctx workflow.Context, v, ref string, commits []string, why, opsNote, private string) {
	rec := TrainRelease{Version: v, Commits: commits, State: Running, Why: why, Private: private}
	t.in.Releases = append(t.in.Releases, rec)
	i := len(t.in.Releases) - 1
	in := ReleaseInput{Pipeline: t.in.Pipeline, Version: v, Ref: ref, TriggeredBy: t.in.TriggeredBy, Manager: t.in.Manager, Why: why, OpsNote: opsNote}
	if private != "" {
		in.Pipeline, in.Security = secure(t.in.Pipeline, private, t.in.Train)
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ReleaseID(t.in.Pipeline.Product, v),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ProductKey.ValueSet(t.in.Pipeline.Product), TrainKey.ValueSet(int64(t.in.Train)), VersionKey.ValueSet(v), StageKey.ValueSet(StageTag)),
		StaticSummary: ReleaseSummary(in),
	})
	var st Status
	child := workflow.ExecuteChildWorkflow(cctx, ReleaseWorkflow, in)
	// A dot request that arrives while this release runs would wait
	// behind it, and a release held for that very dot release would wait
	// for ever: tell the release, which ends if it is held.
	told := false
	for !child.IsReady() {
		err := workflow.Await(ctx, func() bool { return child.IsReady() || (!told && len(t.in.Pending) > 0) })
		if err != nil || child.IsReady() || told || workflow.GetVersion(ctx, "supersede-held", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			break
		}
		told = true
		req := t.in.Pending[0]
		err = child.SignalChildWorkflow(ctx, contract.Supersede, SupersedeRequest{By: req.By, Reason: fmt.Sprintf("%d commit(s) asked for by %s", len(req.Commits), req.By)}).Get(ctx, nil)
		if err != nil {
			t.log.Warn("running release not told of the dot request", "version", v, "error", err)
		}
	}
	err := child.Get(ctx, &st)
	if err != nil {
		t.in.Releases[i].State, t.in.Releases[i].Error = Failed, cause(err)
		return
	}
	t.in.Releases[i].State = st.State
	if st.Uplift != nil {
		t.in.Releases[i].Uplift, t.in.Releases[i].Notes = st.Uplift, st.Notes
	}
}

// fanOut sends a hotfix on to the next newer train, which releases it and
// sends it on in turn: every newer train gets it, lowest first.
func (t *train) fanOut(ctx workflow.Context, req DotRequest) {
	var trains []int
	p := t.in.Pipeline
	if err := run(ctx, contract.TrainsName, contract.TrainsRequest{Product: p.Product, RepoURL: p.Repository.URL}, &trains); err != nil {
		t.log.Error("list newer trains", "error", err)
		return
	}
	for _, n := range trains {
		if n <= t.in.Train {
			continue
		}
		// A security fix goes on privately too, and is uplifted there.
		fwd := DotRequest{Commits: req.Commits, By: req.By, Reason: fmt.Sprintf("hotfix from train %d: %s", t.in.Train, req.Reason), From: t.in.Train,
			Origin: t.in.Train, Asked: req.Reason, Category: req.Category, OpsNote: req.OpsNote, Auth: req.Auth,
			Security: req.Security, Private: req.Private}
		if req.Origin != 0 {
			fwd.Origin, fwd.Asked = req.Origin, req.Asked
		}
		if err := workflow.SignalExternalWorkflow(ctx, TrainID(p.Product, n), "", contract.Dot, fwd).Get(ctx, nil); err != nil {
			t.log.Error("hotfix not sent to newer train", "train", n, "error", err)
		}
		return
	}
}

// listen registers the status query and the dot and close messages.
func (t *train) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (TrainStatus, error) { return t.status(), nil }); err != nil {
		return err
	}
	check := func(ctx workflow.Context, req DotRequest) error {
		if err := t.checkDot(ctx, req); err != nil {
			return fmt.Errorf("dot refused for %s: %w", req.By, err)
		}
		if t.closed {
			return fmt.Errorf("train %d of %s is closed", t.in.Train, t.in.Pipeline.Product)
		}
		if len(req.Commits) == 0 {
			return fmt.Errorf("a dot release needs at least one commit")
		}
		for _, c := range req.Commits {
			if !commitPattern.MatchString(c) {
				return fmt.Errorf("%q is not a commit hash (want 7 to 40 lowercase hex digits)", c)
			}
		}
		if req.By == "" {
			return fmt.Errorf("who asks for the dot release? give the person's name")
		}
		return nil
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, contract.Dot,
		func(ctx workflow.Context, req DotRequest) (TrainStatus, error) {
			t.spend(ctx, req)
			t.in.Pending = append(t.in.Pending, req)
			return t.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: check})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, contract.CloseTrain,
		func(ctx workflow.Context, req CloseRequest) (TrainStatus, error) {
			if _, err := t.sigs.accept(ctx, contract.CloseTrain, req); err != nil {
				return t.status(), err
			}
			t.closed = true
			return t.status(), nil
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req CloseRequest) error {
			if _, err := t.sigs.check(ctx, contract.CloseTrain, req); err != nil {
				return fmt.Errorf("close refused for %s: %w", req.By, err)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, contract.RetryUplift,
		func(ctx workflow.Context, req UpliftRetry) (TrainStatus, error) {
			if _, err := t.sigs.accept(ctx, contract.RetryUplift, req); err != nil {
				return t.status(), err
			}
			t.retries = append(t.retries, req)
			return t.status(), nil
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req UpliftRetry) error {
			if _, err := t.sigs.check(ctx, contract.RetryUplift, req); err != nil {
				return fmt.Errorf("uplift refused for %s: %w", req.By, err)
			}
			for _, u := range t.openUplifts() {
				if u.Version == req.Version {
					return nil
				}
			}
			return fmt.Errorf("%s of train %d has no open uplift (open: %d)", req.Version, t.in.Train, len(t.openUplifts()))
		}})
	if err != nil {
		return err
	}
	dots := workflow.GetSignalChannel(ctx, contract.Dot)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var req DotRequest
			dots.Receive(ctx, &req)
			if err := check(ctx, req); err != nil {
				t.log.Warn("dot request refused", "error", err)
				continue
			}
			t.spend(ctx, req)
			t.in.Pending = append(t.in.Pending, req)
		}
	})
	return nil
}

// drain moves dot signals not yet received into the pending list, so
// continue-as-new carries them.
func (t *train) drain(ctx workflow.Context) {
	dots := workflow.GetSignalChannel(ctx, contract.Dot)
	for {
		var req DotRequest
		if !dots.ReceiveAsync(&req) {
			return
		}
		if t.sigs.trust.Signed {
			if err := t.checkDot(ctx, req); err != nil {
				t.log.Warn("dot request refused", "error", err)
				continue
			}
			t.spend(ctx, req)
		}
		t.in.Pending = append(t.in.Pending, req)
	}
}

func (t *train) status() TrainStatus {
	return TrainStatus{
		Product: t.in.Pipeline.Product, Train: t.in.Train, Branch: version.Branch(t.in.Train),
		Manager: t.in.Manager, Cutoff: t.in.Cutoff, Cut: t.in.Cut, Open: t.in.Open, OpenAtCut: t.in.OpenAtCut,
		Releases: t.in.Releases, Pending: t.in.Pending, Gathering: t.in.Gathering, Closed: t.closed,
	}
}

// beforeTagging lists what is still open for the train on GitHub, announces
// when it will be tagged (and who manages it) in Slack, and waits for the
// cutoff; the cut then takes whatever has landed on main by then.
func (t *train) beforeTagging(ctx workflow.Context) error {
	p := t.in.Pipeline
	gh := contract.GitHubRepoOf(p.Repository)
	tag := version.ForTrain(p.Versioning.Major, t.in.Train).String()
	openPulls := func() ([]contract.PullRequest, error) {
		if gh.Repo == "" {
			return nil, nil
		}
		var prs []contract.PullRequest
		err := run(ctx, contract.OpenPullsName, contract.OpenPullsRequest{GitHub: gh, Train: t.in.Train, MainBranch: p.Repository.MainBranch}, &prs)
		return prs, err
	}
	var err error
	if t.in.Open, err = openPulls(); err != nil {
		// What is open is for people to see; not knowing it does not stop the train.
		t.log.Warn("open pull requests not listed", "error", err)
	}
	now := workflow.Now(ctx)
	when := "now"
	if t.in.Cutoff.After(now) {
		when = t.in.Cutoff.UTC().Format("Mon 2006-01-02 15:04 MST")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s train %d: %s will be tagged from %s %s (release manager: %s).", p.Product, t.in.Train, tag, p.Repository.MainBranch, when, t.in.Manager)
	if gh.Repo != "" {
		if len(t.in.Open) == 0 {
			b.WriteString(" Nothing is open for it.")
		} else {
			fmt.Fprintf(&b, " Still open for it:")
			for _, pr := range t.in.Open {
				fmt.Fprintf(&b, "\n• #%d %s (%s) %s", pr.Number, pr.Title, pr.Author, pr.URL)
			}
		}
	}
	t.announce(ctx, b.String())
	if !t.in.Cutoff.After(now) {
		return nil
	}
	if _, err := workflow.AwaitWithTimeout(ctx, t.in.Cutoff.Sub(now), func() bool { return t.closed }); err != nil {
		return err
	}
	if t.in.OpenAtCut, err = openPulls(); err != nil {
		t.log.Warn("open pull requests not listed at the cutoff", "error", err)
	}
	return nil
}

// announce posts a train message to the product's channels, if any.
func (t *train) announce(ctx workflow.Context, text string) {
	t.notify(ctx, t.in.Pipeline.Notifications, text)
}

// checkDot verifies a dot request's signature: a person's own request
// to this train, or one fanned out from the train the person asked. A
// fanned-out request arrives after that train's release, long after the
// statement's ten minutes, so it is checked as of when it was signed;
// it can carry only the commits the person asked for, to a newer train,
// once per train.
func (t *train) checkDot(ctx workflow.Context, req DotRequest) error {
	if req.Category != "" && DotReasons[req.Category] == "" {
		return fmt.Errorf("%q is not a reason for a dot release (want %s)", req.Category, strings.Join(DotReasonNames(), ", "))
	}
	if req.Security && req.privateURL(t.in.Pipeline) == "" {
		return fmt.Errorf("a security release is made in a private repository: set repository.private_url in the pipeline file, or give --private URL")
	}
	if req.Origin == 0 {
		_, err := t.sigs.check(ctx, contract.Dot, req)
		return err
	}
	if !t.sigs.trust.Signed {
		return nil
	}
	asked := DotRequest{Commits: req.Commits, By: req.By, Reason: req.Asked, Category: req.Category, OpsNote: req.OpsNote, Auth: req.Auth, Security: req.Security, Private: req.Private}
	if err := t.sigs.checkAsSigned(contract.Dot, TrainID(t.in.Pipeline.Product, req.Origin), asked); err != nil {
		return fmt.Errorf("the hotfix from train %d: %w", req.Origin, err)
	}
	st, _ := identity.Parse([]byte(req.Auth.Statement))
	if _, used := t.sigs.used[st.Nonce]; used {
		return fmt.Errorf("the hotfix from train %d (nonce %s) was already taken by this train", req.Origin, st.Nonce)
	}
	return nil
}

// spend records a dot request's nonce, so it counts once on this train.
func (t *train) spend(ctx workflow.Context, req DotRequest) {
	if !t.sigs.trust.Signed || req.Auth == nil {
		return
	}
	if st, err := identity.Parse([]byte(req.Auth.Statement)); err == nil {
		t.sigs.used[st.Nonce] = st.Expires.Add(identity.MaxValidity)
	}
}
