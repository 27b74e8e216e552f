package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/internal/config"
)

func configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with pipeline files"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate FILE",
		Short: "Check a pipeline file; every problem is reported with its line and field",
		Args:  exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := config.Load(args[0])
			if err != nil {
				return exitCode{exitUsage, err}
			}
			fmt.Printf("%s: valid (product %s, %d service(s))\n", args[0], p.Product, len(p.Services))
			return nil
		},
	})
	return cmd
}
