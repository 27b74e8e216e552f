package main

import (
	"fmt"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/signalman/signalman/workflows"
	"github.com/signalman/signalman/workflows/control"
)

func (c *cli) setupCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Register Signalman's search attributes in the namespace (once per real cluster)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withReleases(cmd, func(rs control.Releases) error {
				return registerSearchAttributes(cmd, rs.Client, c.conn.Namespace)
			})
		},
	}
}

// registerSearchAttributes adds the attributes the namespace lacks.
func registerSearchAttributes(cmd *cobra.Command, cl client.Client, namespace string) error {
	ops := cl.OperatorService()
	have, err := ops.ListSearchAttributes(cmd.Context(), &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range workflows.SearchAttributes() {
		if got, ok := have.GetCustomAttributes()[name]; ok {
			if got != typ {
				return fmt.Errorf("search attribute %s exists in %s as %s, want %s; remove it or use another namespace", name, namespace, got, typ)
			}
			continue
		}
		missing[name] = typ
	}
	if len(missing) == 0 {
		fmt.Printf("namespace %s already has Signalman's search attributes\n", namespace)
		return nil
	}
	_, err = ops.AddSearchAttributes(cmd.Context(), &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing})
	if err != nil {
		return fmt.Errorf("add search attributes to %s: %w", namespace, err)
	}
	fmt.Printf("registered %d search attribute(s) in %s\n", len(missing), namespace)
	return nil
}
