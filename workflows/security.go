package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/internal/version"
)

// SecurityRelease is what a security release keeps of the public side
// while it ships from the private repository: where to uplift it, and
// where its notes go once it is public.
type SecurityRelease struct {
	Train         int                  `json:"train"`
	Public        config.Repository    `json:"public"`
	Notifications config.Notifications `json:"notifications"`
}

// UpliftTask is the making public of a security release once it is in
// production: open while its merge into the public train conflicts.
type UpliftTask struct {
	Version string `json:"version"`
	// Open is set while the uplift waits for a person; Error says why.
	Open  bool      `json:"open"`
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since"`
	// Head is the public train branch once uplifted; Merged says the
	// release was merged into it rather than fast-forwarded.
	Head   string    `json:"head,omitempty"`
	Merged bool      `json:"merged,omitempty"`
	Done   time.Time `json:"done,omitempty"`
	// Reminded is when the open task was last posted.
	Reminded time.Time `json:"reminded,omitempty"`
}

// UpliftRetry asks a train to try a conflicted uplift again, once
// someone merged the release into the public train by hand.
type UpliftRetry struct {
	By      string `json:"by"`
	Version string `json:"version"`
	// Auth is the person's signed statement of the request.
	Auth *identity.Proof `json:"auth,omitempty"`
}

func (r UpliftRetry) who() string { return r.By }

// Terms of an uplift retry: the version.
func (r UpliftRetry) Terms() []identity.Term { return []identity.Term{term("version", r.Version)} }
func (r UpliftRetry) proof() *identity.Proof { return r.Auth }

// secure is the pipeline a security release of p runs with: tagged, built
// and shipped from the private repository, with no GitHub checks or
// release, posting only to the security channel (nothing without one);
// and what it keeps of the public side.
func secure(p config.Pipeline, private string, train int) (config.Pipeline, *SecurityRelease) {
	sec := &SecurityRelease{Train: train, Public: p.Repository, Notifications: p.Notifications}
	p.Repository.URL = private
	p.Repository.PrivateURL = ""
	p.Repository.GitHub = ""
	p.Notifications = securityChannel(p.Notifications)
	return p, sec
}

// securityChannel is n with the security channel as its only channel.
func securityChannel(n config.Notifications) config.Notifications {
	out := config.Notifications{}
	if s := n.Slack; s != nil && s.SecurityChannel != "" {
		c := *s
		c.Channel = s.SecurityChannel
		out.Slack = &c
	}
	return out
}

// uplift makes a security release public once it is in production, and
// on success turns the release back to the public repository and
// channels, so that its notes and announcement go out there. A conflict
// leaves the release done with an open uplift task, posted to the
// security channel; the train reminds of it daily until it is retried.
func (r *release) uplift(ctx workflow.Context) (public bool) {
	sec := r.in.Security
	task := &UpliftTask{Version: r.in.Version, Since: workflow.Now(ctx)}
	r.st.Uplift = task
	var res contract.UpliftResult
	err := run(ctx, contract.UpliftName, contract.UpliftRequest{
		Product: r.in.Pipeline.Product, Private: r.in.Pipeline.Repository.URL, Public: sec.Public.URL,
		MainBranch: sec.Public.MainBranch, Train: sec.Train, Tag: r.in.Version,
	}, &res)
	if err != nil {
		task.Open, task.Error = true, cause(err)
		r.log.Error("security release not uplifted", "error", err)
		r.detail(ctx, StageAnnounce, "uplift open: "+task.Error)
		_, _ = r.post(ctx, StageAnnounce, fmt.Sprintf("%s %s is in production but not public yet: %s", r.in.Pipeline.Product, r.in.Version, task.Error), nil)
		return false
	}
	task.Head, task.Merged, task.Done = res.Head, res.Merged, workflow.Now(ctx)
	r.in.Pipeline.Repository = sec.Public
	r.in.Pipeline.Notifications = sec.Notifications
	// The public channel has no thread of this release yet.
	r.thread = ""
	return true
}

// openUplifts are the train's security releases waiting to be made public.
func (t *train) openUplifts() []*UpliftTask {
	var open []*UpliftTask
	for i := range t.in.Releases {
		if u := t.in.Releases[i].Uplift; u != nil && u.Open {
			open = append(open, u)
		}
	}
	return open
}

// remind posts each open uplift task to the security channel once a day.
func (t *train) remind(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for _, u := range t.openUplifts() {
		if now.Before(u.due()) {
			continue
		}
		u.Reminded = now
		t.notify(ctx, securityChannel(t.in.Pipeline.Notifications), fmt.Sprintf("%s %s is in production but still not public (since %s): %s",
			t.in.Pipeline.Product, u.Version, u.Since.UTC().Format("2006-01-02 15:04 MST"), u.Error))
	}
}

// due is when the open task is next posted: a day after it was last
// posted, or after it opened.
func (u *UpliftTask) due() time.Time {
	last := u.Reminded
	if last.IsZero() {
		last = u.Since
	}
	return last.Add(upliftReminder)
}

// upliftReminder is how often an open uplift task is posted.
const upliftReminder = 24 * time.Hour

// nextReminder is how long until an open uplift task is due to be posted
// again; zero when none is open.
func (t *train) nextReminder(ctx workflow.Context) time.Duration {
	var next time.Duration
	for _, u := range t.openUplifts() {
		d := u.due().Sub(workflow.Now(ctx))
		if d < time.Second {
			d = time.Second
		}
		if next == 0 || d < next {
			next = d
		}
	}
	return next
}

// retryUplift tries a conflicted uplift again; once it is public, the
// release's notes go to the public channels.
func (t *train) retryUplift(ctx workflow.Context, req UpliftRetry) {
	p := t.in.Pipeline
	for i := range t.in.Releases {
		rel := &t.in.Releases[i]
		if rel.Version != req.Version || rel.Uplift == nil || !rel.Uplift.Open {
			continue
		}
		var res contract.UpliftResult
		err := run(ctx, contract.UpliftName, contract.UpliftRequest{
			Product: p.Product, Private: rel.Private, Public: p.Repository.URL, MainBranch: p.Repository.MainBranch, Train: t.in.Train, Tag: rel.Version,
		}, &res)
		if err != nil {
			rel.Uplift.Error = cause(err)
			t.notify(ctx, securityChannel(p.Notifications), fmt.Sprintf("%s %s: the uplift %s asked for failed again: %s", p.Product, rel.Version, req.By, rel.Uplift.Error))
			return
		}
		rel.Uplift.Open, rel.Uplift.Error = false, ""
		rel.Uplift.Head, rel.Uplift.Merged, rel.Uplift.Done = res.Head, res.Merged, workflow.Now(ctx)
		t.notify(ctx, p.Notifications, fmt.Sprintf("%s %s, a security release, is public now (uplifted by %s)\n\n%s", p.Product, rel.Version, req.By, rel.Notes))
		return
	}
}

// notify posts text for the train to n's channels, if any.
func (t *train) notify(ctx workflow.Context, n config.Notifications, text string) {
	req := contract.NotifyRequest{
		Product: t.in.Pipeline.Product, Version: version.ForTrain(t.in.Pipeline.Versioning.Major, t.in.Train).String(),
		Text: text, Stage: "train", Event: contract.EventTrain,
	}
	if !channels(n, &req) {
		return
	}
	if err := run(ctx, contract.NotifyName, req, nil); err != nil {
		t.log.Warn("train message not sent", "error", err)
	}
}
