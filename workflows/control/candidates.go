package control

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/workflows"
)

// CandidateSchedule is when a product's daily candidate runs.
type CandidateSchedule struct {
	Pipeline config.Pipeline
	// Hour and Minute of the day, in TimeZone.
	Hour, Minute int
	// TimeZone is an IANA zone; release managers are preferred from it.
	TimeZone string
	// Days are the weekdays it runs, 0 Sunday to 6 Saturday.
	Days []int
	// Cutoff delays the tag after each candidate starts.
	Cutoff time.Duration
	// By is who makes the schedule; their signed statement goes with
	// every run.
	By string
}

// CandidateRun is one candidate a schedule (or a person) started.
type CandidateRun struct {
	WorkflowID string                     `json:"workflowID"`
	Started    time.Time                  `json:"started"`
	State      string                     `json:"state"`
	Result     *workflows.CandidateResult `json:"result,omitempty"`
	Error      string                     `json:"error,omitempty"`
}

// ScheduleInfo is a product's candidate schedule and what it did.
type ScheduleInfo struct {
	ID       string         `json:"id"`
	Spec     string         `json:"spec"`
	TimeZone string         `json:"timeZone"`
	Next     []time.Time    `json:"next,omitempty"`
	Recent   []CandidateRun `json:"recent,omitempty"`
	Paused   bool           `json:"paused"`
}

// ScheduleID is the ID of a product's candidate schedule.
func ScheduleID(product string) string { return workflows.CandidateID(product) }

// ScheduleCandidate creates the product's daily candidate schedule, or
// replaces its time and pipeline when it exists; created says which.
func (r Releases) ScheduleCandidate(ctx context.Context, s CandidateSchedule) (created bool, err error) {
	if s.Hour < 0 || s.Hour > 23 || s.Minute < 0 || s.Minute > 59 {
		return false, fmt.Errorf("%02d:%02d is not a time of day", s.Hour, s.Minute)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" {
		return false, fmt.Errorf("time zone %q: want an IANA name such as America/New_York", s.TimeZone)
	}
	if len(s.Days) == 0 {
		return false, errors.New("a schedule needs at least one weekday")
	}
	cal := client.ScheduleCalendarSpec{
		Hour:   []client.ScheduleRange{{Start: s.Hour}},
		Minute: []client.ScheduleRange{{Start: s.Minute}},
	}
	for _, d := range s.Days {
		cal.DayOfWeek = append(cal.DayOfWeek, client.ScheduleRange{Start: d})
	}
	spec := client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{cal}, TimeZoneName: s.TimeZone}
	product := s.Pipeline.Product
	in := workflows.CandidateInput{Pipeline: s.Pipeline, TimeZone: s.TimeZone, Cutoff: s.Cutoff, By: s.By}
	if in.Auth, err = r.sign(ctx, workflows.ActionSchedule, in, product, workflows.CandidateID(product), true); err != nil {
		return false, err
	}
	action := &client.ScheduleWorkflowAction{
		ID:                    workflows.CandidateID(product),
		Workflow:              "CandidateWorkflow",
		Args:                  []any{in},
		TaskQueue:             contract.WorkflowQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(product)),
		StaticSummary:         fmt.Sprintf("daily candidate of %s", product),
	}
	return r.upsertSchedule(ctx, ScheduleID(product), spec, action)
}

// upsertSchedule creates the schedule id, or updates its spec and action
// if it exists, and says whether it created it. A run still going when
// the next is due is not doubled, and one missed while the server was
// down for long is not made up.
func (r Releases) upsertSchedule(ctx context.Context, id string, spec client.ScheduleSpec, action *client.ScheduleWorkflowAction) (created bool, err error) {
	_, err = r.Client.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: id, Spec: spec, Action: action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: time.Hour,
	})
	if err == nil {
		return true, nil
	}
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &exists) && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return false, fmt.Errorf("create schedule %s: %w", id, err)
	}
	err = r.Client.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sch := in.Description.Schedule
			sch.Spec = &spec
			sch.Action = action
			return &client.ScheduleUpdate{Schedule: &sch}, nil
		},
	})
	if err != nil {
		return false, fmt.Errorf("update schedule %s: %w", id, err)
	}
	return false, nil
}

// TriggerCandidate runs the product's schedule now, as if it were time.
func (r Releases) TriggerCandidate(ctx context.Context, product string) error {
	err := r.Client.ScheduleClient().GetHandle(ctx, ScheduleID(product)).Trigger(ctx, client.ScheduleTriggerOptions{
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%s has no candidate schedule; create it with `signalman schedule candidate`: %w", product, ErrNotFound)
	}
	return err
}

// DeleteSchedule removes the product's candidate schedule.
func (r Releases) DeleteSchedule(ctx context.Context, product string) error {
	err := r.Client.ScheduleClient().GetHandle(ctx, ScheduleID(product)).Delete(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("%s has no candidate schedule: %w", product, ErrNotFound)
	}
	return err
}

// Schedule describes the product's candidate schedule and its recent
// candidates, newest first.
func (r Releases) Schedule(ctx context.Context, product string) (ScheduleInfo, error) {
	id := ScheduleID(product)
	d, err := r.Client.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return ScheduleInfo{}, fmt.Errorf("%s has no candidate schedule: %w", product, ErrNotFound)
	}
	if err != nil {
		return ScheduleInfo{}, fmt.Errorf("describe schedule %s: %w", id, err)
	}
	info := ScheduleInfo{ID: id, Next: d.Info.NextActionTimes, Paused: d.Schedule.State != nil && d.Schedule.State.Paused}
	if s := d.Schedule.Spec; s != nil {
		info.TimeZone = s.TimeZoneName
		for _, c := range s.Calendars {
			info.Spec += calendarText(c)
		}
	}
	runs, err := r.Candidates(ctx, product, 10)
	if err != nil {
		return info, err
	}
	info.Recent = runs
	return info, nil
}

// Candidates lists a product's latest candidates, newest first, with
// the result of each that has ended.
func (r Releases) Candidates(ctx context.Context, product string, limit int) ([]CandidateRun, error) {
	query := fmt.Sprintf("WorkflowType = 'CandidateWorkflow' AND %s = '%s'", workflows.ProductKey.GetName(), product)
	resp, err := r.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: int32(limit)})
	if err != nil {
		return nil, fmt.Errorf("list candidates of %s: %w", product, err)
	}
	var out []CandidateRun
	for _, e := range resp.GetExecutions() {
		if len(out) == limit {
			break
		}
		c := CandidateRun{WorkflowID: e.GetExecution().GetWorkflowId(), Started: e.GetStartTime().AsTime(), State: status(e.GetStatus())}
		if e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			var res workflows.CandidateResult
			err := r.Client.GetWorkflow(ctx, c.WorkflowID, e.GetExecution().GetRunId()).Get(ctx, &res)
			var app *temporal.ApplicationError
			switch {
			case err == nil:
				c.Result = &res
			case errors.As(err, &app):
				c.Error = app.Message()
				if app.HasDetails() && app.Details(&res) == nil {
					c.Result = &res
				}
			default:
				c.Error = err.Error()
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// RunCandidate runs a manual candidate managed by in.TriggeredBy and waits
// for it to start the train (or say why not).
func (r Releases) RunCandidate(ctx context.Context, in workflows.CandidateInput) (workflows.CandidateResult, error) {
	id := fmt.Sprintf("%s/manual-%s", workflows.CandidateID(in.Pipeline.Product), time.Now().UTC().Format("20060102T150405Z"))
	var err error
	if in.Auth, err = r.sign(ctx, workflows.ActionCandidate, in, in.Pipeline.Product, id, true); err != nil {
		return workflows.CandidateResult{}, err
	}
	run, err := r.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: contract.WorkflowQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.ProductKey.ValueSet(in.Pipeline.Product)),
		StaticSummary:         fmt.Sprintf("candidate of %s, triggered by %s", in.Pipeline.Product, in.TriggeredBy),
	}, workflows.CandidateWorkflow, in)
	if err != nil {
		return workflows.CandidateResult{}, fmt.Errorf("start %s: %w", id, err)
	}
	var res workflows.CandidateResult
	err = run.Get(ctx, &res)
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		if app.HasDetails() {
			_ = app.Details(&res)
		}
		return res, &RefusedError{Release: in.Pipeline.Product + " candidate", Reason: app.Message()}
	}
	return res, err
}

// calendarText is a schedule calendar as people write it.
func calendarText(c client.ScheduleCalendarSpec) string {
	days := ""
	names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	for _, d := range c.DayOfWeek {
		for n := d.Start; n <= max(d.Start, d.End); n++ {
			if n >= 0 && n < 7 {
				if days != "" {
					days += ","
				}
				days += names[n]
			}
		}
	}
	h, m := 0, 0
	if len(c.Hour) > 0 {
		h = c.Hour[0].Start
	}
	if len(c.Minute) > 0 {
		m = c.Minute[0].Start
	}
	return fmt.Sprintf("%02d:%02d on %s", h, m, days)
}
