package workflows

import (
	"time"

	"github.com/signalman/signalman/internal/contract"
)

// Release stages, in the order a release passes them.
const (
	StageTag         = "tag"
	StageTest        = "test"
	StageBuild       = "build"
	StageSign        = "sign"
	StageDeployStage = "deploy-stage"
	StageQASignoff   = "qa-signoff"
	StageApproval    = "sre-approval"
	StageWindow      = "window"
	StageCanary      = "canary"
	StagePromote     = "promote"
	StageAnnounce    = "announce"
)

// States of a stage and of a release.
const (
	Pending   = "pending"
	Running   = "running"
	Waiting   = "waiting"
	Held      = "held"
	Done      = "done"
	Skipped   = "skipped"
	Failed    = "failed"
	Aborted   = "aborted"
	Succeeded = "succeeded"
)

// Status is everything a person may want to know about a release; the
// status query returns it and the workflow's result is its final value.
type Status struct {
	Product     string `json:"product"`
	Version     string `json:"version"`
	Train       int    `json:"train"`
	Commit      string `json:"commit,omitempty"`
	TriggeredBy string `json:"triggeredBy"`
	// Manager is the release manager: who decides on a held release.
	Manager string `json:"manager,omitempty"`
	State   string `json:"state"`
	Stage   string `json:"stage"`
	// Env is the environment the current stage works on, if any.
	Env     string        `json:"env,omitempty"`
	Stages  []StageStatus `json:"stages"`
	Started time.Time     `json:"started"`
	Ended   time.Time     `json:"ended,omitempty"`
	// ETA is the requested ship time; ShipAt is when it ships once the window is open.
	ETA           time.Time       `json:"eta,omitempty"`
	ShipAt        time.Time       `json:"shipAt,omitempty"`
	WindowOpensAt time.Time       `json:"windowOpensAt,omitempty"`
	Signoffs      []SignoffRecord `json:"signoffs,omitempty"`
	// Expired are signoffs that were too old when the release shipped,
	// and were asked for again.
	Expired []SignoffRecord `json:"expired,omitempty"`
	// StartAuth is how the person who started the release signed it.
	StartAuth *Approval `json:"startAuth,omitempty"`
	// Previews are what the release changes in each environment, as
	// shown to the people signing for it.
	Previews  []contract.Preview `json:"previews,omitempty"`
	Refusals  []Refusal          `json:"refusals,omitempty"`
	Exception *WindowException   `json:"exception,omitempty"`
	// Deploying is the workflow ID of the service deploy running now, if any.
	Deploying string `json:"deploying,omitempty"`
	// DeployPhase is what that deploy is doing, such as a canary waiting
	// for a decision. The release does not keep it: readers of the status
	// fill it in from the deploy's own status (control.Releases.Status).
	DeployPhase string `json:"deployPhase,omitempty"`
	// Retrying are the steps of the release, and of its running deploy,
	// that failed and wait to try again. The release does not keep them
	// (a retry is not a workflow event): readers of the status fill them
	// in from the workflows' pending activities (control.Releases.Status).
	Retrying []Retry `json:"retrying,omitempty"`
	// Local are the steps the release runs in its own workflow task now
	// (local activities: the freeze check, the claims and reads of
	// environment records), each with when it began. The server's pending
	// activities never list them, retries included; readers of the status
	// report those running long among Retrying (control.Releases.Status).
	Local []LocalStep `json:"local,omitempty"`
	// Freeze is the production freeze the release waited for, if any.
	Freeze    *contract.Freeze    `json:"freeze,omitempty"`
	Decision  *DecisionRecord     `json:"decision,omitempty"`
	Abort     *AbortRecord        `json:"abort,omitempty"`
	Artifacts []contract.Artifact `json:"artifacts,omitempty"`
	Deploys   []DeployResult      `json:"deploys,omitempty"`
	// Scans are the vulnerability gate's verdicts on each image: after
	// the build, and again before each production environment.
	Scans []contract.ScanResult `json:"scans,omitempty"`
	// Uplift is a security release's making public, once in production.
	Uplift *UpliftTask `json:"uplift,omitempty"`
	// VulnExceptions let blocking vulnerabilities through, each approved
	// by a person with a justification.
	VulnExceptions []VulnException `json:"vulnExceptions,omitempty"`
	// OpsNote is the release's note for operators (ReleaseInput.OpsNote).
	OpsNote string `json:"opsNote,omitempty"`
	// Why justifies a dot release (ReleaseInput.Why).
	Why string `json:"why,omitempty"`
	// Notes are the release notes, Markdown, grouped by kind of change.
	Notes string `json:"notes,omitempty"`
	// NotesURL is the GitHub release the notes were published as.
	NotesURL string `json:"notesURL,omitempty"`
	// Assets are the release's static assets: the artifact, its manifest
	// (each file's path, size and SHA-256, and the tree hash) and where
	// each environment's copy went.
	Assets *contract.Assets `json:"assets,omitempty"`
	// CommitTimes are when the release's commits were written, oldest
	// first; lead time for changes runs from each to production.
	CommitTimes []time.Time `json:"commitTimes,omitempty"`
	Error       string      `json:"error,omitempty"`
}

// LocalStep is a local activity a workflow runs now.
type LocalStep struct {
	Activity string    `json:"activity"`
	Since    time.Time `json:"since"`
}

// Retry is an activity that failed and will be tried again, or that waits
// for a worker of its role, or a local activity that has run long.
type Retry struct {
	// Activity is the activity's name, such as "Tag".
	Activity string `json:"activity"`
	// Workflow is the ID of the workflow that runs it: the release or a
	// service deploy.
	Workflow string `json:"workflow"`
	// Attempt is the attempt running or next to run, from 1.
	Attempt int `json:"attempt"`
	// LastFailure is why the last attempt failed.
	LastFailure string `json:"lastFailure"`
	// NextAttempt is when the next attempt starts; zero while one runs.
	NextAttempt time.Time `json:"nextAttempt,omitempty"`
	// NoWorker says that no worker of the activity's role polls its task
	// queue, so it waits (it does not fail) until one does: "no deploy:prod
	// worker has polled signalman-deploy-prod for 2m0s".
	NoWorker string `json:"noWorker,omitempty"`
	// LocalSince is when a local activity that has run long began. Its
	// attempts and failures are known only to the worker running it; it
	// fails the workflow when its retries run out.
	LocalSince time.Time `json:"localSince,omitempty"`
}

// StageStatus is one stage of a release.
type StageStatus struct {
	Name string `json:"name"`
	// Env is the environment the stage works on, if any; Production is
	// true for the deploy of a production environment.
	Env        string    `json:"env,omitempty"`
	Production bool      `json:"production,omitempty"`
	State      string    `json:"state"`
	Started    time.Time `json:"started,omitempty"`
	Ended      time.Time `json:"ended,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// SignoffRecord is one accepted signoff.
type SignoffRecord struct {
	Env     string    `json:"env"`
	Role    string    `json:"role"`
	Person  string    `json:"person"`
	Verdict string    `json:"verdict"`
	Reason  string    `json:"reason,omitempty"`
	Via     string    `json:"via,omitempty"`
	At      time.Time `json:"at"`
	// Auth is how the signoff was signed (auth: signed).
	Auth *Approval `json:"auth,omitempty"`
}

// Refusal records a signal that was refused (updates are refused to the caller directly).
type Refusal struct {
	Message string    `json:"message"`
	Person  string    `json:"person"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// WindowException records an approved deploy outside the window.
type WindowException struct {
	Person        string    `json:"person"`
	Reason        string    `json:"reason"`
	Justification string    `json:"justification"`
	At            time.Time `json:"at"`
	// Auth is how the exception was signed (auth: signed).
	Auth *Approval `json:"auth,omitempty"`
}

// DecisionRecord is the release manager's decision on a held release.
type DecisionRecord struct {
	Person   string    `json:"person"`
	Decision string    `json:"decision"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
	// Auth is how the decision was signed (auth: signed).
	Auth *Approval `json:"auth,omitempty"`
}

// AbortRecord is who stopped a release and why.
type AbortRecord struct {
	Person string    `json:"person"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Auth is how the abort was signed (auth: signed).
	Auth *Approval `json:"auth,omitempty"`
}

// stage returns the named stage's entry.
// StageNamed returns the release's stage called name, or nil.
func (s *Status) StageNamed(name string) *StageStatus { return s.stage(name) }

func (s *Status) stage(name string) *StageStatus {
	for i := range s.Stages {
		if s.Stages[i].Name == name {
			return &s.Stages[i]
		}
	}
	return nil
}

// Finished reports whether the release has ended.
func (s *Status) Finished() bool {
	switch s.State {
	case Succeeded, Failed, Aborted:
		return true
	}
	return false
}
