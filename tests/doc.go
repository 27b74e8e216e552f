// Package tests holds Signalman's end-to-end tests: real embedded Temporal
// server, real git repositories, the real CLI and worker as processes.
package tests
