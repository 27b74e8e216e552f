package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/signalman/signalman/worker/app"
)

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Manage the cosign key pair images are signed with"}
	var dir string
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write cosign.key (encrypted with COSIGN_PASSWORD) and cosign.pub, in cosign's own format",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, set := os.LookupEnv("COSIGN_PASSWORD")
			if !set {
				return usage("set COSIGN_PASSWORD to the password that will encrypt the private key (it may be empty, but must be set)")
			}
			k := app.Keys{Private: filepath.Join(dir, "cosign.key"), Public: filepath.Join(dir, "cosign.pub")}
			if err := app.GenerateKeys(k, []byte(password)); err != nil {
				return err
			}
			fmt.Printf("wrote %s and %s\n", k.Private, k.Public)
			return nil
		},
	}
	gen.Flags().StringVar(&dir, "dir", ".", "directory to write the key pair to")
	cmd.AddCommand(gen)
	return cmd
}
