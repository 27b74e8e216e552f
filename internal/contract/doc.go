// Package contract is what workflows and workers agree on: for every
// activity its stable name, request and result types, options (timeouts,
// retry policy, heartbeat) and the role whose workers run it; every message
// name (signals, updates, queries); and the task queue of each role.
//
// Workflows import this package and pure ones only, never the activities
// and the I/O libraries behind them; the worker registers each activity
// from the same table, so a name, its options and its registration cannot
// disagree.
package contract
