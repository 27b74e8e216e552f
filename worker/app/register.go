package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/signalman/signalman/activities"
	"github.com/signalman/signalman/internal/artifact"
	"github.com/signalman/signalman/internal/artifact/buildnum"
	"github.com/signalman/signalman/internal/config"
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
}

// Keys are the paths of a cosign key pair.
type Keys struct {
	Private, Public string
}

// Register adds every workflow and every implemented activity to w, each
// activity under its stable name.
func Register(w worker.Registry, d Deps) error {
	workflows.Register(w)

	remoteOpts := func(ctx context.Context) []remote.Option { return artifact.RemoteOptions(ctx) }
	gh := &activities.GitHub{Getenv: os.Getenv}
	git := &activities.Git{Dir: filepath.Join(d.DataDir, "repos"), GitHub: gh}
	tests := &activities.Tests{Dir: filepath.Join(d.DataDir, "checkouts")}
	notifier := &activities.Notifier{APIURL: d.SlackAPI}
	builder := &activities.Builder{
		Registry: d.Registry,
		Dir:      filepath.Join(d.DataDir, "builds"),
		Counter:  buildnum.Counter{Dir: filepath.Join(d.DataDir, "build-numbers")},
		Docker:   artifact.DockerClient,
		Remote:   remoteOpts,
	}
	signer := &activities.Signer{
		KeyFile:       d.Keys.Private,
		PublicKeyFile: d.Keys.Public,
		PasswordEnv:   d.PasswordEnv,
		Dir:           filepath.Join(d.DataDir, "sign"),
		Remote:        remoteOpts,
	}
	targets := map[string]deploy.Target{
		config.TargetProcess: &deploy.Process{Dir: filepath.Join(d.DataDir, "deploy"), Remote: artifact.RemoteOptions(context.Background())},
	}
	if cli, err := artifact.DockerClient(); err == nil {
		targets[config.TargetDocker] = &deploy.Docker{Client: cli}
	}
	routerCmd := d.RouterCommand
	if routerCmd == nil {
		routerCmd = RouterCommand()
	}
	deployer := &activities.Deployer{Dir: filepath.Join(d.DataDir, "routers"), Targets: targets, RouterCommand: routerCmd}
	migrator := &activities.Migrator{Dir: filepath.Join(d.DataDir, "migrations")}
	history := &activities.History{Client: d.Client, Current: deployer.Current}
	freezes := &activities.Freezes{Client: d.Client}
	for name, fn := range map[string]any{
		activities.TagName:            git.Tag,
		activities.ReleaseNotesName:   git.ReleaseNotes,
		activities.CutTrainName:       git.CutTrain,
		activities.CherryPickName:     git.CherryPick,
		activities.TrainsName:         git.Trains,
		activities.RunTestsName:       tests.RunTests,
		activities.NotifyName:         notifier.Notify,
		activities.BuildNumberName:    builder.BuildNumber,
		activities.BuildName:          builder.Build,
		activities.SignName:           signer.Sign,
		activities.VerifyName:         signer.Verify,
		activities.MigrateName:        migrator.Migrate,
		activities.DeployName:         deployer.Deploy,
		activities.TrafficName:        deployer.SetTraffic,
		activities.AnalyzeName:        deployer.AnalyzeCanary,
		activities.SmokeName:          deployer.Smoke,
		activities.RollbackName:       deployer.Rollback,
		activities.RetireName:         deployer.Retire,
		activities.PromoteName:        deployer.Promote,
		activities.RollbackTargetName: history.RollbackTarget,
		activities.FreezeCheckName:    freezes.FreezeCheck,
		activities.CandidateCheckName: git.CandidateCheck,
		activities.WaitForChecksName:  gh.WaitForChecks,
		activities.OpenPullsName:      gh.OpenPulls,
		activities.PublishReleaseName: gh.PublishRelease,
	} {
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return nil
}
