package deploys

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/workflows"
)

// BenchmarkReleaseOverhead releases the example product for real (three
// services built, signed, deployed to stage and through a canary to prod
// on the process target, by a worker process) and reports the
// orchestration overhead: the release's wall time, less its deliberate
// waits (the canary pauses: timers), divided by the sum of its
// activities' run times, in the release and every deploy it ran. Builds
// and signatures run in parallel, so their sum can exceed the time they
// took; the ratio is then below 1. busy-ratio divides by the time during
// which at least one activity ran instead, which counts nothing twice.
func BenchmarkReleaseOverhead(b *testing.B) {
	_, remote, _ := e2e.ExampleRepo(b, nil)
	config := canaryPipeline(b, remote, "process")
	stk := e2e.NewStack(b)
	e2e.StartWorker(b, stk)
	ctx := context.Background()
	c, err := client.DialContext(ctx, client.Options{HostPort: stk.Srv.Addr})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// The first release has no baseline in prod and skips its canary;
	// the later ones are judged on the traffic of real clients.
	e2e.Release(b, stk, config, "v1.1.0")
	for _, l := range []*e2e.LoadGen{
		e2e.StartLoad(b, stk, "auth-server", "/healthz", 50),
		e2e.StartLoad(b, stk, "api", "/api/ping", 50),
		e2e.StartLoad(b, stk, "content-server", "/", 50),
	} {
		defer l.End()
	}
	var ratios, busyRatios []float64
	b.ResetTimer()
	for i := range b.N {
		version := fmt.Sprintf("v1.%d.0", i+2)
		st := e2e.Release(b, stk, config, version)
		if st.State != workflows.Succeeded {
			b.Fatalf("%s %s: %s", version, st.State, st.Error)
		}
		var m overhead
		m.add(ctx, b, c, workflows.ReleaseID("shop", version), true)
		ratios = append(ratios, m.ratio())
		busyRatios = append(busyRatios, m.busyRatio())
		b.Logf("%s: wall %s, deliberate waits %s, activities %s in %d runs (busy %s), ratio %.3f, busy ratio %.3f",
			version, m.wall.Round(time.Millisecond), m.waits.Round(time.Millisecond), m.activities.Round(time.Millisecond), m.count,
			m.busy().Round(time.Millisecond), m.ratio(), m.busyRatio())
	}
	b.StopTimer()
	mean := func(xs []float64) float64 {
		sum := 0.0
		for _, x := range xs {
			sum += x
		}
		return sum / float64(len(xs))
	}
	b.ReportMetric(mean(ratios), "overhead-ratio")
	b.ReportMetric(mean(busyRatios), "busy-ratio")
}

// overhead adds up a release's times from its history and its children's.
type overhead struct {
	wall, waits, activities time.Duration
	count                   int
	runs                    []run // of every activity, for busy
}

type run struct{ from, to time.Time }

func (o *overhead) ratio() float64 {
	return float64(o.wall-o.waits) / float64(o.activities)
}

// busy is the time during which at least one activity ran: the sum of run
// times counts parallel builds and signatures more than once, this does not.
func (o *overhead) busy() time.Duration {
	runs := slices.SortedFunc(slices.Values(o.runs), func(a, b run) int { return a.from.Compare(b.from) })
	var total time.Duration
	var end time.Time
	for _, r := range runs {
		if r.from.After(end) {
			total += r.to.Sub(r.from)
			end = r.to
		} else if r.to.After(end) {
			total += r.to.Sub(end)
			end = r.to
		}
	}
	return total
}

// busyRatio is the wall time, less deliberate waits, over busy: 1 means
// something was always running; the rest is the orchestration's own time.
func (o *overhead) busyRatio() float64 {
	return float64(o.wall-o.waits) / float64(o.busy())
}

// add reads a workflow's history: its activities' run times, its timers
// (deliberate waits, counted only where they hold up the release: its own
// and its deploys', which run one at a time) and, for the release itself,
// the wall time; then does the same for each child.
func (o *overhead) add(ctx context.Context, b *testing.B, c client.Client, id string, top bool) {
	b.Helper()
	started := map[int64]time.Time{}
	var first, last time.Time
	var children []string
	events, err := e2e.History(ctx, c, id, "")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range events {
		at := e.GetEventTime().AsTime()
		if first.IsZero() {
			first = at
		}
		last = at
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			started[e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] = at
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			from := started[e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]
			o.activities += at.Sub(from)
			o.runs = append(o.runs, run{from, at})
			o.count++
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			started[-e.GetEventId()] = at
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			o.waits += at.Sub(started[-e.GetTimerFiredEventAttributes().GetStartedEventId()])
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
			children = append(children, childID(e))
		}
	}
	if top {
		o.wall = last.Sub(first)
	}
	for _, ch := range children {
		o.add(ctx, b, c, ch, false)
	}
}

func childID(e *historypb.HistoryEvent) string {
	return e.GetChildWorkflowExecutionStartedEventAttributes().GetWorkflowExecution().GetWorkflowId()
}
