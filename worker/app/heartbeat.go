package app

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// keepAlive heartbeats every activity that has a heartbeat timeout, at a
// third of that timeout, for as long as it runs. Activities also heartbeat
// their progress (build output, test output), but a quiet step, such as
// the Go compiler working on a large package, can outlast any fixed
// timeout; with keepAlive the heartbeat timeout only has to notice a dead
// worker, so it can be short and a killed worker's activity is retried
// within it.
type keepAlive struct {
	interceptor.WorkerInterceptorBase
}

func (*keepAlive) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &keepAliveActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type keepAliveActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *keepAliveActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	every := activity.GetInfo(ctx).HeartbeatTimeout / 3
	if every <= 0 {
		return a.Next.ExecuteActivity(ctx, in)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx, "running")
			}
		}
	}()
	return a.Next.ExecuteActivity(ctx, in)
}
