package tests

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/testsuite"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git/gittest"
	"github.com/signalman/signalman/internal/registry"
	"github.com/signalman/signalman/tests/e2e"
	"github.com/signalman/signalman/worker/app"
)

// BenchmarkImages measures build, push, sign and attest of Go services on
// the local default (embedded registry, daemonless build), one service and
// ten in parallel. Every image is new: each one carries its own version, so
// nothing is skipped as already built or already signed.
//
//	go test ./tests/ -run '^$' -bench BenchmarkImages -benchtime 3x
func BenchmarkImages(b *testing.B) {
	builder, signer, commit, remoteURL := imagesBench(b)
	build := config.Build{Kind: config.BuildGo, Context: ".", Package: "./services/api"}

	release := func(b *testing.B, version string, number int) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(builder.Build)
		env.RegisterActivity(signer.Sign)
		v, err := env.ExecuteActivity(builder.Build, contract.BuildRequest{Product: "shop", Version: version, Commit: commit, RepoURL: remoteURL, Service: "api", Build: build, Number: number})
		if err != nil {
			b.Error(err)
			return
		}
		var a contract.Artifact
		if err := v.Get(&a); err != nil {
			b.Error(err)
			return
		}
		if _, err := env.ExecuteActivity(signer.Sign, contract.SignRequest{Product: "shop", Version: version, Commit: commit, RepoURL: remoteURL, Artifact: a, Build: build, Invocation: "bench"}); err != nil {
			b.Error(err)
		}
	}
	n := 0
	for _, parallel := range []int{1, 10} {
		b.Run(fmt.Sprintf("services=%d", parallel), func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for range parallel {
					n++
					wg.Add(1)
					go func(n int) {
						defer wg.Done()
						release(b, fmt.Sprintf("v1.%d.0", n), n)
					}(n)
				}
				wg.Wait()
			}
		})
	}
}

// imagesBench is the build and sign roles of the local default on a real
// registry, key pair and repository of the example product, for the
// benchmarks of images.
func imagesBench(b *testing.B) (builder *activities.Builder, signer *activities.Signer, commit, remoteURL string) {
	gittest.Isolate(b)
	reg, err := registry.Start(context.Background(), registry.Options{Dir: b.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { reg.Stop() })
	repo, remoteURL := gittest.NewWithRemote(b)
	commit = repo.WriteCommit(b, "feat: shop", e2e.ExampleFiles(b))
	repo.Git(b, "push", "--quiet", "origin", "main")
	keys := b.TempDir()
	k := app.Keys{Private: filepath.Join(keys, "cosign.key"), Public: filepath.Join(keys, "cosign.pub")}
	if err := app.GenerateKeys(k, []byte(e2e.KeyPassword)); err != nil {
		b.Fatal(err)
	}
	b.Setenv("COSIGN_PASSWORD", e2e.KeyPassword)
	opts := func(ctx context.Context) []remote.Option { return []remote.Option{remote.WithContext(ctx)} }
	builder = &activities.Builder{Registry: reg.Host(), Dir: b.TempDir(), Counter: buildnum.Counter{Dir: b.TempDir()},
		Docker: artifact.DockerClient, Remote: opts, Env: e2e.GoEnv}
	signer = &activities.Signer{KeyFile: k.Private, PublicKeyFile: k.Public, PasswordEnv: "COSIGN_PASSWORD", Dir: b.TempDir(), Remote: opts}
	return builder, signer, commit, remoteURL
}
