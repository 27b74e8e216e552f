package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// Freeze names shared by the freeze workflow and the activity that asks it.
// They live here because activities never import workflows.
const (
	// FreezeWatch is the update a release sends the freeze workflow: it
	// returns the freeze and, while frozen, remembers the release so that
	// the unfreeze wakes it.
	FreezeWatch = "watch"
	// FreezeLifted is the signal the freeze workflow sends each waiting
	// release when the freeze ends.
	FreezeLifted = "freeze-lifted"
)

// FreezeID is the workflow ID of a product's freeze: one per product.
func FreezeID(product string) string { return "freeze/" + product }

// Freeze is a product's production freeze.
type Freeze struct {
	Frozen bool      `json:"frozen"`
	By     string    `json:"by,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since,omitempty"`
	// LiftedBy and LiftedAt record who ended the freeze a release waited for.
	LiftedBy string    `json:"liftedBy,omitempty"`
	LiftedAt time.Time `json:"liftedAt,omitempty"`
}

// FreezeCheckRequest asks whether a product's production is frozen, on
// behalf of the release workflow Watcher.
type FreezeCheckRequest struct {
	Product string `json:"product"`
	Watcher string `json:"watcher"`
}

// Freezes reads product freezes from Temporal.
type Freezes struct {
	Client client.Client
}

// FreezeCheck returns the product's freeze. While it is frozen the freeze
// workflow remembers the watcher and signals it FreezeLifted when the
// freeze ends; asking and registering are one update, so no unfreeze can
// slip between them. A product that was never frozen has no freeze
// workflow and is not frozen.
func (f *Freezes) FreezeCheck(ctx context.Context, req FreezeCheckRequest) (Freeze, error) {
	if req.Product == "" || req.Watcher == "" {
		return Freeze{}, badInput("freeze check: product %q and watcher %q must both be set", req.Product, req.Watcher)
	}
	h, err := f.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   FreezeID(req.Product),
		UpdateName:   FreezeWatch,
		Args:         []any{req.Watcher},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return Freeze{}, nil
	}
	if err != nil {
		return Freeze{}, fmt.Errorf("ask %s whether production is frozen: %w", FreezeID(req.Product), err)
	}
	var out Freeze
	if err := h.Get(ctx, &out); err != nil {
		return Freeze{}, fmt.Errorf("ask %s whether production is frozen: %w", FreezeID(req.Product), err)
	}
	return out, nil
}
