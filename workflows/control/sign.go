package control

import (
	"context"
	"fmt"
	"time"

	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/workflows"
)

// Signer signs a person's statement; the CLI signs with the person's SSH
// key (ssh-agent or a key file).
type Signer func(identity.Statement) (*identity.Proof, error)

// sign makes and signs the statement of req as action on workflow id: for
// its running run, or (start) for the workflow about to start. Without a
// Signer the request goes unsigned, which a pipeline with auth: claimed
// accepts and one with auth: signed refuses with why.
func (r Releases) sign(ctx context.Context, action string, req workflows.Signed, product, id string, start bool) (*identity.Proof, error) {
	if r.Sign == nil {
		return nil, nil
	}
	run := ""
	if !start {
		desc, err := r.Client.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return nil, fmt.Errorf("look up %s to sign for it: %w", id, err)
		}
		run = desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	}
	p, err := r.Sign(workflows.Statement(action, req, product, id, run, time.Now()))
	if err != nil {
		return nil, fmt.Errorf("sign the %s request: %w", action, err)
	}
	return p, nil
}

// withProof returns req carrying the proof.
func withProof(req workflows.Signed, p *identity.Proof) workflows.Signed {
	switch v := req.(type) {
	case workflows.SignoffRequest:
		v.Auth = p
		return v
	case workflows.OverrideRequest:
		v.Auth = p
		return v
	case workflows.DecisionRequest:
		v.Auth = p
		return v
	case workflows.AbortRequest:
		v.Auth = p
		return v
	case workflows.CanaryDecisionRequest:
		v.Auth = p
		return v
	case workflows.FreezeRequest:
		v.Auth = p
		return v
	case workflows.DotRequest:
		v.Auth = p
		return v
	case workflows.CloseRequest:
		v.Auth = p
		return v
	case workflows.VulnExceptionRequest:
		v.Auth = p
		return v
	case workflows.UpliftRetry:
		v.Auth = p
		return v
	}
	panic(fmt.Sprintf("control: %T cannot carry a signature", req))
}
