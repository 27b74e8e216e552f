package contract

// Freeze messages.
const (
	// FreezeProduct freezes a product's production deploys.
	FreezeProduct = "freeze"
	// UnfreezeProduct lifts the freeze.
	UnfreezeProduct = "unfreeze"
	// QueryFreeze returns the FreezeStatus.
	QueryFreeze = "freeze"
)

// Message names: each gate is both a signal (usable from the Temporal UI and
// any client) and an update with a validator (used by the CLI and Slack, so a
// wrong request is refused at once with its reason).
const (
	QueryStatus     = "status"
	QuerySlackUsers = "slack-users"
	Signoff         = "signoff"
	OverrideWindow  = "override-window"
	Decide          = "decide"
	Abort           = "abort"
	CanaryDecision  = "canary-decision"
	// AllowVulnerabilities lets vulnerabilities that block a release
	// through, with a justification.
	AllowVulnerabilities = "allow-vulnerabilities"
)

// Train messages.
const (
	// Dot asks a train for a dot release of commits already on main.
	Dot = "dot"
	// CloseTrain ends a train once its dot requests are done.
	CloseTrain = "close"
	// RetryUplift asks a train to make a security release public again,
	// once its conflict was resolved by hand.
	RetryUplift = "uplift"
	// Supersede tells a train's running release that a dot release is
	// waiting: if the release is held (a yellow or red QA verdict), it
	// ends, and the dot release replaces it.
	Supersede = "supersede"
)
