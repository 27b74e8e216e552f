// Package workflows holds Signalman's durable workflows: the release, the
// per-service deploy, and their gates. Everything here is deterministic: time
// comes from workflow.Now, waits are timers and conditions, and people reach
// a workflow only through signals, updates and queries.
package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/version"
)

// Search attributes that make releases findable in the Temporal UI.
var (
	ProductKey     = temporal.NewSearchAttributeKeyKeyword("SignalmanProduct")
	TrainKey       = temporal.NewSearchAttributeKeyInt64("SignalmanTrain")
	VersionKey     = temporal.NewSearchAttributeKeyKeyword("SignalmanVersion")
	StageKey       = temporal.NewSearchAttributeKeyKeyword("SignalmanStage")
	EnvironmentKey = temporal.NewSearchAttributeKeyKeyword("SignalmanEnvironment")
)

// SearchAttributes lists the custom search attributes a namespace needs.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		ProductKey.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		TrainKey.GetName():       enumspb.INDEXED_VALUE_TYPE_INT,
		VersionKey.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		StageKey.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		EnvironmentKey.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// ReleaseID is the workflow ID of one version of a product.
func ReleaseID(product, version string) string {
	return fmt.Sprintf("release/%s/%s", product, version)
}

// ReleaseSummary is what the Temporal UI shows for a release among the
// others: product, version, train and who started it.
func ReleaseSummary(in ReleaseInput) string {
	s := fmt.Sprintf("%s %s", in.Pipeline.Product, in.Version)
	if v, err := version.Parse(in.Version); err == nil {
		s += fmt.Sprintf(" (train %d)", v.Train)
	}
	s += ", started by " + in.TriggeredBy
	if in.Manager != "" && in.Manager != in.TriggeredBy {
		s += ", managed by " + in.Manager
	}
	return s
}

// DeployID is the workflow ID of one service's deploy of one version to one environment.
func DeployID(product, version, env, service string) string {
	return fmt.Sprintf("deploy/%s/%s/%s/%s", product, version, env, service)
}

// Registry is where workflows are registered: a worker, a replayer or the
// SDK's test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers every workflow under its stable name, the name
// histories and the Temporal UI know it by.
func Register(r Registry) {
	r.RegisterWorkflowWithOptions(ReleaseWorkflow, workflow.RegisterOptions{Name: "ReleaseWorkflow"})
	r.RegisterWorkflowWithOptions(ServiceDeployWorkflow, workflow.RegisterOptions{Name: "ServiceDeployWorkflow"})
	r.RegisterWorkflowWithOptions(RollbackWorkflow, workflow.RegisterOptions{Name: "RollbackWorkflow"})
	r.RegisterWorkflowWithOptions(TrainWorkflow, workflow.RegisterOptions{Name: "TrainWorkflow"})
	r.RegisterWorkflowWithOptions(FreezeWorkflow, workflow.RegisterOptions{Name: "FreezeWorkflow"})
	r.RegisterWorkflowWithOptions(CandidateWorkflow, workflow.RegisterOptions{Name: "CandidateWorkflow"})
	r.RegisterWorkflowWithOptions(EnvironmentWorkflow, workflow.RegisterOptions{Name: contract.EnvironmentWorkflowName})
	r.RegisterWorkflowWithOptions(PreviewWorkflow, workflow.RegisterOptions{Name: "PreviewWorkflow"})
	r.RegisterWorkflowWithOptions(GCWorkflow, workflow.RegisterOptions{Name: "GCWorkflow"})
	r.RegisterWorkflowWithOptions(FollowWorkflow, workflow.RegisterOptions{Name: "FollowWorkflow"})
	r.RegisterWorkflowWithOptions(StageDeployWorkflow, workflow.RegisterOptions{Name: "StageDeployWorkflow"})
}
