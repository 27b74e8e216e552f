// Package activities holds Signalman's Temporal activities: thin, idempotent
// adapters from the workflows to the internal packages. Each capability is one
// struct with its dependencies injected; each exported method is one activity,
// registered under its name in the contract (internal/contract), which
// also holds the requests and results.
//
// Activities read secrets (tokens, key passwords, registry credentials) from
// the worker's environment at run time: no secret ever travels in a request or
// a result, so none reaches workflow history.
package activities
