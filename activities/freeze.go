package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/internal/contract"
)

// Freezes reads product freezes from Temporal.
type Freezes struct {
	Client client.Client
}

// FreezeCheck returns the product's freeze. While it is frozen the freeze
// workflow remembers the watcher and signals it FreezeLifted when the
// freeze ends; asking and registering are one update, so no unfreeze can
// slip between them. A product that was never frozen has no freeze
// workflow and is not frozen.
func (f *Freezes) FreezeCheck(ctx context.Context, req contract.FreezeCheckRequest) (contract.Freeze, error) {
	if req.Product == "" || req.Watcher == "" {
		return contract.Freeze{}, badInput("freeze check: product %q and watcher %q must both be set", req.Product, req.Watcher)
	}
	h, err := f.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   contract.FreezeID(req.Product),
		UpdateName:   contract.FreezeWatch,
		Args:         []any{req.Watcher},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return contract.Freeze{}, nil
	}
	if err != nil {
		return contract.Freeze{}, fmt.Errorf("ask %s whether production is frozen: %w", contract.FreezeID(req.Product), err)
	}
	var out contract.Freeze
	if err := h.Get(ctx, &out); err != nil {
		return contract.Freeze{}, fmt.Errorf("ask %s whether production is frozen: %w", contract.FreezeID(req.Product), err)
	}
	return out, nil
}
