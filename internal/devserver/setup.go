package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// namespaceRefresh is how often each service reloads namespaces from the
// database; search attributes added through the API are seen after it.
const namespaceRefresh = 2 * time.Second

// prepare waits until the frontend serves namespace, then registers the
// search attributes it lacks.
func prepare(ctx context.Context, frontend, namespace string, attrs map[string]enumspb.IndexedValueType, logger *slog.Logger) error {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  frontend,
		Namespace: namespace,
		Logger:    sdklog.NewStructuredLogger(logger),
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal dev server at %s: %w", frontend, err)
	}
	defer c.Close()

	if err := poll(ctx, func(ctx context.Context) error {
		_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		return err
	}); err != nil {
		return fmt.Errorf("namespace %s on Temporal dev server at %s: %w", namespace, frontend, err)
	}
	return addSearchAttributes(ctx, c, namespace, attrs)
}

// addSearchAttributes registers the attributes that namespace lacks and
// waits until every service knows them. An attribute that exists with
// another type is an error: its type cannot change.
func addSearchAttributes(ctx context.Context, c client.Client, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	if len(attrs) == 0 {
		return nil
	}
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		want := attrs[name]
		if _, ok := resp.GetSystemAttributes()[name]; ok {
			return fmt.Errorf("search attribute %s: the name is taken by a Temporal system attribute; choose another", name)
		}
		have, ok := resp.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = want
		case have != want:
			return fmt.Errorf("search attribute %s is registered in namespace %s as %s, not %s; a type cannot change, so choose another name",
				name, namespace, have, want)
		}
	}
	if len(missing) == 0 {
		return nil
	}

	added := time.Now()
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("add search attributes %v to namespace %s: %w", slices.Sorted(maps.Keys(missing)), namespace, err)
	}
	for name := range missing {
		if err := poll(ctx, func(ctx context.Context) error {
			_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
				Namespace: namespace,
				Query:     name + " IS NULL",
			})
			return err
		}); err != nil {
			return fmt.Errorf("search attribute %s in namespace %s: %w", name, namespace, err)
		}
	}
	// The frontend knows them now; history, which checks the attributes a
	// workflow upserts, refreshes on the same interval.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(added.Add(namespaceRefresh + 500*time.Millisecond))):
		return nil
	}
}

// poll calls try until it succeeds, for at most 30 seconds.
func poll(ctx context.Context, try func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
		err := try(attempt)
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
