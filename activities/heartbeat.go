package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeatEvery bounds how often output lines become heartbeats.
const heartbeatEvery = 5 * time.Second

// lineHeartbeat returns a function that turns output lines into heartbeats
// (at most one per heartbeatEvery, carrying the latest line) and debug logs,
// for long commands such as tests and builds.
func lineHeartbeat(ctx context.Context) func(line string) {
	var mu sync.Mutex
	var last time.Time
	log := activity.GetLogger(ctx)
	return func(line string) {
		log.Debug(line)
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) >= heartbeatEvery {
			activity.RecordHeartbeat(ctx, line)
			last = time.Now()
		}
	}
}
