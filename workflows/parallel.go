package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// parallel runs n branches, at most maxParallel at a time (4 when unset,
// as in releases started before the setting existed), and returns the first
// error in branch order. Once a branch fails no new branch starts.
func parallel(ctx workflow.Context, n, maxParallel int, branch func(workflow.Context, int) error) error {
	if maxParallel <= 0 {
		maxParallel = 4
	}
	errs := make([]error, n)
	done := workflow.NewChannel(ctx)
	running, next, failed := 0, 0, false
	for {
		for running < maxParallel && next < n && !failed {
			i := next
			next++
			running++
			workflow.Go(ctx, func(ctx workflow.Context) {
				errs[i] = branch(ctx, i)
				done.Send(ctx, i)
			})
		}
		if running == 0 {
			break
		}
		var i int
		done.Receive(ctx, &i)
		running--
		failed = failed || errs[i] != nil
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
