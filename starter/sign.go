package main

import (
	"github.com/signalman/signalman/internal/identity"
)

// sign signs a statement as the person acting, with their SSH key through
// ssh-agent or --key; Signalman never asks for or keeps a private key.
// With no agent and no --key the request goes unsigned: a pipeline with
// auth: claimed accepts it, one with auth: signed refuses it and says why.
func (c *cli) sign(st identity.Statement) (*identity.Proof, error) {
	signer, done, err := identity.Signer(c.key)
	if err != nil {
		if c.key == "" {
			return nil, nil
		}
		return nil, err
	}
	defer done()
	return identity.Sign(st, signer)
}
