package control

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"

	"github.com/signalman/signalman/internal/contract"
)

// Running reads what runs in env of product from the environment's
// record: who holds it, who waits, and each service's version. An
// environment no release has deployed to since records began has none.
func (r Releases) Running(ctx context.Context, product, env string) (contract.EnvState, error) {
	st := contract.EnvState{Product: product, Env: env}
	v, err := r.Client.QueryWorkflow(ctx, contract.EnvID(product, env), "", contract.QueryEnv)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("what runs in %s of %s: %w", env, product, err)
	}
	return st, v.Get(&st)
}
