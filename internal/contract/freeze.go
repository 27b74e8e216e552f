package contract

import (
	"time"
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

// The freeze protocol between a release and its product's freeze workflow.
const (
	// FreezeWatch is the update a release sends the freeze workflow: it
	// returns the freeze and, while frozen, remembers the release so that
	// the unfreeze wakes it.
	FreezeWatch = "watch"
	// FreezeLifted is the signal the freeze workflow sends each waiting
	// release when the freeze ends.
	FreezeLifted = "freeze-lifted"
)
