package artifact

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// StatementType is the _type of an in-toto Statement v1.
const StatementType = "https://in-toto.io/Statement/v1"

type statement struct {
	Type          string          `json:"_type"`
	Subject       []subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Statement wraps a JSON predicate in an in-toto Statement v1 about one
// subject, e.g. an image repository and its digest.
func Statement(predicateType string, predicate []byte, subjectName string, digest v1.Hash) ([]byte, error) {
	if !json.Valid(predicate) {
		return nil, fmt.Errorf("statement about %s: %w: the predicate is not JSON", subjectName, ErrInvalidInput)
	}
	if digest.Algorithm == "" || digest.Hex == "" {
		return nil, fmt.Errorf("statement about %s: %w: no subject digest", subjectName, ErrInvalidInput)
	}
	return json.Marshal(statement{
		Type:          StatementType,
		Subject:       []subject{{Name: subjectName, Digest: map[string]string{digest.Algorithm: digest.Hex}}},
		PredicateType: predicateType,
		Predicate:     json.RawMessage(predicate),
	})
}
