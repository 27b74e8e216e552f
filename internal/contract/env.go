package contract

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// EnvID is the workflow ID of a product's record of one environment: one
// release deploys there at a time, and it knows what runs there.
func EnvID(product, env string) string { return "env/" + product + "/" + env }

// Claim asks for an environment on behalf of a release or a rollback.
type Claim struct {
	// ID is the workflow ID of the release or rollback that claims it,
	// which the record signals EnvGranted when its turn comes.
	ID string `json:"id"`
	// Version is the version it deploys, shown to those who wait.
	Version string `json:"version"`
	// Rollback claims go ahead of every waiting release: they are the
	// incident path.
	Rollback bool `json:"rollback,omitempty"`
	// At is when the claim was first made.
	At time.Time `json:"at"`
}

// Running is what runs of one service in one environment, and how it got
// there.
type Running struct {
	Service  string    `json:"service"`
	Version  string    `json:"version"`
	Artifact Artifact  `json:"artifact"`
	Commit   string    `json:"commit,omitempty"`
	Since    time.Time `json:"since"`
	// Release is the workflow ID of the release or rollback that put it there.
	Release string `json:"release"`
	// ApprovedBy are those who signed off for this environment ("sre: sam"),
	// or who asked for the rollback.
	ApprovedBy []string `json:"approvedBy,omitempty"`
	// Temporary marks a temporary stage deploy (signalman stage-deploy):
	// a build of changes not released, which the next release's deploy
	// replaces. DeployedBy is who asked for it.
	Temporary  bool   `json:"temporary,omitempty"`
	DeployedBy string `json:"deployedBy,omitempty"`
}

// Grant is the record's answer to a claim.
type Grant struct {
	// Granted is true when the claimant holds the environment now.
	Granted bool `json:"granted"`
	// Holder is who holds it otherwise, and Position the claimant's place
	// in the queue (1 is next).
	Holder   Claim `json:"holder,omitempty"`
	Position int   `json:"position,omitempty"`
	// Running is what runs there, by service.
	Running map[string]Running `json:"running,omitempty"`
}

// EnvState is what the record's query returns.
type EnvState struct {
	Product string             `json:"product"`
	Env     string             `json:"env"`
	Holder  *Claim             `json:"holder,omitempty"`
	Queue   []Claim            `json:"queue,omitempty"`
	Running map[string]Running `json:"running,omitempty"`
}

// Temporaries says, a line each, which temporary deploys run in the
// environment, who asked for them, since when and for which services:
// "temporary deploy stage/checkout-fix-abc1234 by alice since 2026-03-02
// 14:05 UTC (api)". None once a release has replaced them.
func (s EnvState) Temporaries() []string {
	var lines []string
	seen := map[string]int{}
	for _, name := range slices.Sorted(maps.Keys(s.Running)) {
		r := s.Running[name]
		if !r.Temporary {
			continue
		}
		if i, ok := seen[r.Version]; ok {
			lines[i] = strings.TrimSuffix(lines[i], ")") + ", " + name + ")"
			continue
		}
		seen[r.Version] = len(lines)
		lines = append(lines, fmt.Sprintf("temporary deploy %s by %s since %s (%s)", r.Version, r.DeployedBy, r.Since.UTC().Format("2006-01-02 15:04 MST"), name))
	}
	return lines
}

// ClaimRequest is a claim sent to the record of Product's Env, which the
// activity starts if it is not running yet.
type ClaimRequest struct {
	Product string `json:"product"`
	Env     string `json:"env"`
	Claim   Claim  `json:"claim"`
}

// The protocol between releases, rollbacks and an environment's record.
const (
	// EnvClaim is the update that claims the environment: it answers a
	// Grant, and queues a claimant that must wait.
	EnvClaim = "claim"
	// EnvGranted is the signal the record sends a waiting claimant when
	// its turn comes; it carries the Grant.
	EnvGranted = "env-granted"
	// EnvLetGo is the signal (and update) a holder sends when it is done,
	// with its ID; a waiting claimant that sends it leaves the queue.
	EnvLetGo = "let-go"
	// EnvDeployed is the signal that records a Running.
	EnvDeployed = "deployed"
	// QueryEnv returns the EnvState.
	QueryEnv = "env"
)

// EnvironmentWorkflowName is the name the environment record's workflow is
// registered under; it starts with, and carries over, an EnvState.
const EnvironmentWorkflowName = "EnvironmentWorkflow"
