package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/deploy"
	"github.com/signalman/signalman/workflows"
)

// Deps are what the activities need from the worker.
type Deps struct {
	DataDir string
	Logger  *slog.Logger
	// Registry is where images are pushed (host[:port][/path]).
	Registry string
	// Keys is the cosign key pair; the password is read from PasswordEnv.
	Keys        Keys
	PasswordEnv string
	// RouterCommand starts a traffic router process (default RouterCommand()).
	RouterCommand []string
	// Client reads release history for rollbacks.
	Client client.Client
	// SlackAPI overrides Slack's API address.
	SlackAPI string
	// SecretsDir holds the services' secrets the deploy role reads at
	// deploy time (DIR/ENV/NAME, then DIR/NAME); empty reads them from the
	// worker's environment only (SIGNALMAN_SECRET_NAME).
	SecretsDir string
}

// Keys are the paths of a cosign key pair, and of more public keys the
// worker's deploys accept.
type Keys struct {
	Private, Public string
	Trusted         []string
	// Follow is the private key builds of a followed branch are signed
	// with (the same password); FollowPublic its public key. The local
	// default makes the pair and has its deployers trust it.
	Follow, FollowPublic string
}

// Register adds to w what role s runs: the workflows for Orchestrate, and
// each activity the contract gives the role, under its contract name. Only
// the role's own capabilities are built, so a worker holds the secrets of
// its roles and no others.
func Register(w worker.Registry, s contract.Serve, d Deps) error {
	if s.Role == contract.Orchestrate {
		workflows.Register(w)
	}
	impls := implementations(s, d)
	for _, a := range contract.For(s.Role) {
		fn, ok := impls[a.Name]
		if !ok {
			return fmt.Errorf("role %s: activity %s of the contract has no implementation", s, a.Name)
		}
		if err := matches(a, fn); err != nil {
			return fmt.Errorf("role %s: %w", s, err)
		}
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: a.Name})
	}
	return nil
}

// implementations builds the capabilities role s needs and returns its
// activities by contract name.
func implementations(s contract.Serve, d Deps) map[string]any {
	remoteOpts := func(ctx context.Context) []remote.Option { return artifact.RemoteOptions(ctx) }
	switch s.Role {
	case contract.Orchestrate:
		freezes := &activities.Freezes{Client: d.Client}
		envs := &activities.Envs{Client: d.Client}
		return map[string]any{
			contract.FreezeCheckName:  freezes.FreezeCheck,
			contract.ClaimEnvName:     envs.ClaimEnv,
			contract.ReadEnvName:      envs.ReadEnv,
			contract.ListReleasesName: envs.ListReleases,
		}
	case contract.Source:
		gh := &activities.GitHub{Getenv: os.Getenv}
		git := &activities.Git{Dir: filepath.Join(d.DataDir, "repos"), GitHub: gh}
		tests := &activities.Tests{Dir: filepath.Join(d.DataDir, "checkouts")}
		return map[string]any{
			contract.TagName:             git.Tag,
			contract.ReleaseNotesName:    git.ReleaseNotes,
			contract.CutTrainName:        git.CutTrain,
			contract.CherryPickName:      git.CherryPick,
			contract.UpliftName:          git.Uplift,
			contract.DescribeCommitsName: git.DescribeCommits,
			contract.TrainsName:          git.Trains,
			contract.BranchHeadName:      git.BranchHead,
			contract.CandidateCheckName:  git.CandidateCheck,
			contract.RunTestsName:        tests.RunTests,
			contract.WaitForChecksName:   gh.WaitForChecks,
			contract.OpenPullsName:       gh.OpenPulls,
			contract.PublishReleaseName:  gh.PublishRelease,
			contract.PruneCheckoutsName:  (&activities.Checkouts{Tests: tests.Dir, Repos: git.Dir}).PruneCheckouts,
		}
	case contract.Build:
		builder := &activities.Builder{
			Registry: d.Registry,
			Dir:      filepath.Join(d.DataDir, "builds"),
			Counter:  buildnum.Counter{Dir: filepath.Join(d.DataDir, "build-numbers")},
			Docker:   artifact.DockerClient,
			Remote:   remoteOpts,
		}
		packer := &activities.Assets{Registry: d.Registry, Dir: filepath.Join(d.DataDir, "assets"), Remote: remoteOpts}
		return map[string]any{contract.BuildNumberName: builder.BuildNumber, contract.BuildName: builder.Build, contract.PruneImagesName: builder.PruneImages, contract.PackAssetsName: packer.PackAssets}
	case contract.Sign:
		signer := &activities.Signer{
			KeyFile:       d.Keys.Private,
			PublicKeyFile: d.Keys.Public,
			FollowKeyFile: d.Keys.Follow,
			PasswordEnv:   d.PasswordEnv,
			Dir:           filepath.Join(d.DataDir, "sign"),
			Remote:        remoteOpts,
		}
		return map[string]any{contract.SignName: signer.Sign, contract.ScanName: signer.Scan}
	case contract.Deploy:
		// Verifying needs only the public key the environment trusts.
		verifier := &activities.Signer{PublicKeyFile: d.Keys.Public, TrustedKeyFiles: d.Keys.Trusted, Dir: filepath.Join(d.DataDir, "verify"), Remote: remoteOpts}
		targets := map[string]deploy.Target{
			config.TargetProcess: &deploy.Process{Dir: filepath.Join(d.DataDir, "deploy"), Remote: artifact.RemoteOptions(context.Background())},
		}
		if cli, err := artifact.DockerClient(); err == nil {
			targets[config.TargetDocker] = &deploy.Docker{Client: cli, Site: deploy.SiteOf(d.DataDir)}
		}
		routerCmd := d.RouterCommand
		if routerCmd == nil {
			routerCmd = RouterCommand()
		}
		deployer := &activities.Deployer{Dir: filepath.Join(d.DataDir, "routers"), Targets: targets, ScriptRecords: filepath.Join(d.DataDir, "deploy-scripts"), Secrets: activities.Secrets{Dir: d.SecretsDir}, RouterCommand: routerCmd}
		migrator := &activities.Migrator{Dir: filepath.Join(d.DataDir, "migrations")}
		history := &activities.History{Client: d.Client, Current: deployer.Current}
		// The bucket's credentials are this worker's own environment's.
		uploader := &activities.Assets{Dir: filepath.Join(d.DataDir, "deploy-assets"), Remote: remoteOpts}
		return map[string]any{
			contract.VerifyName:         verifier.Verify,
			contract.MigrateName:        migrator.Migrate,
			contract.DeployName:         deployer.Deploy,
			contract.TrafficName:        deployer.SetTraffic,
			contract.AnalyzeName:        deployer.AnalyzeCanary,
			contract.SmokeName:          deployer.Smoke,
			contract.RollbackName:       deployer.Rollback,
			contract.RetireName:         deployer.Retire,
			contract.PromoteName:        deployer.Promote,
			contract.RollbackTargetName: history.RollbackTarget,
			contract.PruneDeployName:    deployer.PruneDeploy,
			contract.UploadAssetsName:   uploader.UploadAssets,
		}
	case contract.Notify:
		notifier := &activities.Notifier{APIURL: d.SlackAPI}
		return map[string]any{contract.NotifyName: notifier.Notify}
	}
	return nil
}

var (
	contextType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errorType   = reflect.TypeOf((*error)(nil)).Elem()
)

// matches checks that fn takes a context and the contract's request and
// returns its result (if any) and an error.
func matches(a contract.Activity, fn any) error {
	t := reflect.TypeOf(fn)
	want := []reflect.Type{errorType}
	if a.Result != nil {
		want = []reflect.Type{reflect.TypeOf(a.Result), errorType}
	}
	ok := t.Kind() == reflect.Func && t.NumIn() == 2 && t.In(0) == contextType && t.In(1) == reflect.TypeOf(a.Request) && t.NumOut() == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = t.Out(i) == want[i]
	}
	if !ok {
		return fmt.Errorf("activity %s is implemented as %s, but the contract says func(context.Context, %T) (%v)", a.Name, t, a.Request, want)
	}
	return nil
}
