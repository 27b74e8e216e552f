package workflows

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/signalman/signalman/internal/config"
	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/identity"
	"github.com/signalman/signalman/internal/version"
)

// ActionStageDeploy is the action a person signs to start a temporary
// stage deploy.
const ActionStageDeploy = "stage-deploy"

// stageNameMax bounds a temporary deploy's name, which ends up in branch,
// image and workflow names.
const stageNameMax = 40

// StageDeployInput asks for a temporary stage deploy: changes not merged
// yet, picked onto a branch off a train and deployed to stage only.
type StageDeployInput struct {
	Pipeline config.Pipeline `json:"pipeline"`
	// Name names the deploy and its branch, stage/NAME; never a version.
	Name  string   `json:"name"`
	Train int      `json:"train"`
	Picks []string `json:"picks"`
	// Services are those to build and deploy; empty means those whose
	// build context holds a path the picks touch.
	Services []string `json:"services,omitempty"`
	By       string   `json:"by"`
	// Auth is By's signed statement of this deploy.
	Auth *identity.Proof `json:"auth,omitempty"`
}

// StageDeployStatus is what a temporary stage deploy's status query
// returns, and its result.
type StageDeployStatus struct {
	Product string    `json:"product"`
	Name    string    `json:"name"`
	Train   int       `json:"train"`
	Branch  string    `json:"branch"`
	Picks   []string  `json:"picks"`
	By      string    `json:"by"`
	Started time.Time `json:"started"`
	// Commit is the branch's head once picked, Version the build's name.
	Commit  string `json:"commit,omitempty"`
	Version string `json:"version,omitempty"`
	// Touched are the paths the picks change; Services those deployed,
	// and Chosen how they were chosen.
	Touched  []string `json:"touched,omitempty"`
	Services []string `json:"services,omitempty"`
	Chosen   string   `json:"chosen,omitempty"`
	// Doing is what it does now; Outcome is Deployed or Failed at the end,
	// with Error saying why it failed.
	Doing     string              `json:"doing"`
	Outcome   string              `json:"outcome,omitempty"`
	Error     string              `json:"error,omitempty"`
	Artifacts []contract.Artifact `json:"artifacts,omitempty"`
}

// StageDeployID is the workflow ID of the temporary stage deploy name.
func StageDeployID(product, name string) string { return "stage-deploy/" + product + "/" + name }

// StageBranch is the branch of the temporary stage deploy name.
func StageBranch(name string) string { return "stage/" + name }

// versionShaped is a name a person could take for a version: v1, v1-2.
var versionShaped = regexp.MustCompile(`^v[0-9]`)

// CheckStageName says why name cannot name a temporary stage deploy, or
// nil: a name is lowercase letters, digits and dashes, and never a
// version, which only releases have.
func CheckStageName(name string) error {
	if _, err := version.Parse(name); err == nil || versionShaped.MatchString(name) {
		return fmt.Errorf("stage-deploy name %q looks like a release version: a temporary deploy is never a release, and vMAJOR.TRAIN.PATCH tags belong to releases; name it after the change, such as checkout-fix", name)
	}
	ok := name != "" && len(name) <= stageNameMax && name[0] != '-' && name[len(name)-1] != '-'
	for _, r := range name {
		ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	}
	if !ok {
		return fmt.Errorf("stage-deploy name %q: want lowercase letters, digits and dashes, at most %d characters, not starting or ending with a dash, such as checkout-fix", name, stageNameMax)
	}
	return nil
}

// Terms of a temporary stage deploy: what is picked from which train, the
// services asked for and the name.
func (in StageDeployInput) Terms() []identity.Term {
	return []identity.Term{term("name", in.Name), term("train", fmt.Sprint(in.Train)),
		term("commits", strings.Join(in.Picks, " ")), term("services", strings.Join(in.Services, " "))}
}
func (in StageDeployInput) proof() *identity.Proof { return in.Auth }
func (in StageDeployInput) who() string            { return in.By }

// StageDeployWorkflow is a temporary stage deploy (ID
// stage-deploy/PRODUCT/NAME): it cherry-picks the commits onto branch
// stage/NAME, made from train-N (the rules and conflicts of a dot
// release, but the commits need not be merged yet), builds the services
// asked for or else those whose build context the picks touch, signs them
// with the non-release key and deploys them to stage only, holding stage
// like a release. Stage's record marks them temporary, with who and
// since when, until the next release's stage deploy replaces them. Its
// version is stage/NAME-SHA7, never a release version.
func StageDeployWorkflow(ctx workflow.Context, in StageDeployInput) (StageDeployStatus, error) {
	p := in.Pipeline
	st := StageDeployStatus{Product: p.Product, Name: in.Name, Train: in.Train, Branch: StageBranch(in.Name), Picks: in.Picks,
		By: in.By, Started: workflow.Now(ctx), Doing: "starting"}
	if err := workflow.SetQueryHandler(ctx, contract.QueryStatus, func() (StageDeployStatus, error) { return st, nil }); err != nil {
		return st, err
	}
	doing := func(what string) {
		st.Doing = what
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**temporary stage deploy %s of %s** by %s (train %d, %s): %s",
			in.Name, p.Product, in.By, in.Train, strings.Join(in.Picks, ", "), what))
	}
	fail := func(err error) (StageDeployStatus, error) {
		st.Outcome, st.Error = Failed, cause(err)
		doing("failed: " + st.Error)
		return st, temporal.NewNonRetryableApplicationError(fmt.Sprintf("temporary stage deploy %s of %s: %s", in.Name, p.Product, st.Error), ErrStageFailed, err)
	}
	invalid := func(format string, args ...any) (StageDeployStatus, error) {
		msg := fmt.Sprintf(format, args...)
		st.Outcome, st.Error = Failed, msg
		return st, temporal.NewNonRetryableApplicationError(fmt.Sprintf("temporary stage deploy %s of %s: %s", in.Name, p.Product, msg), ErrInvalid, nil)
	}
	if err := CheckStageName(in.Name); err != nil {
		return invalid("%v", err)
	}
	if _, ok := p.Environments[config.Stage]; !ok {
		return invalid("the pipeline has no environment named %s (it has %s), and a temporary deploy goes to %s only", config.Stage, strings.Join(p.EnvNames(), ", "), config.Stage)
	}
	if in.Train < 1 || len(in.Picks) == 0 {
		return invalid("name the train (1 or more) and at least one commit to pick")
	}
	for _, s := range in.Services {
		if _, ok := p.Service(s); !ok {
			return invalid("no service %q in the pipeline (services: %s)", s, strings.Join(serviceNames(p.OrderedServices()), ", "))
		}
	}
	if _, err := newSignatures(trustOf(p), p.Product, nil).checkStart(ctx, ActionStageDeploy, in); err != nil {
		return st, temporal.NewNonRetryableApplicationError(fmt.Sprintf("temporary stage deploy %s of %s by %s refused: %v", in.Name, p.Product, in.By, err), contract.ErrRefused, nil)
	}

	doing(fmt.Sprintf("picking %s onto %s from %s", strings.Join(in.Picks, ", "), st.Branch, version.Branch(in.Train)))
	var picked contract.PickResult
	err := run(ctx, contract.CherryPickName, contract.PickRequest{
		Product: p.Product, RepoURL: p.Repository.URL, MainBranch: p.Repository.MainBranch, Train: in.Train, Commits: in.Picks,
		Branch: st.Branch, Base: version.Branch(in.Train),
	}, &picked)
	if err != nil {
		return fail(err)
	}
	st.Commit, st.Version, st.Touched = picked.Head, FollowVersion(st.Branch, picked.Head), picked.Touched
	services, chosen := stageServices(p, in.Services, picked.Touched)
	st.Services, st.Chosen = serviceNames(services), chosen
	if len(services) == 0 {
		return invalid("%s; name the services to deploy with --service", chosen)
	}
	arts, err := deployUnreleased(ctx, p, config.Stage, unreleased{
		Branch: st.Branch, Commit: st.Commit, Version: st.Version, Services: services,
		Record: contract.Running{Temporary: true, DeployedBy: in.By},
	}, doing)
	st.Artifacts = arts
	if err != nil {
		return fail(err)
	}
	st.Outcome = Deployed
	doing(fmt.Sprintf("%s deployed to %s (%s) until the next release's deploy replaces it", st.Version, config.Stage, strings.Join(st.Services, ", ")))
	return st, nil
}

// stageServices are the services a temporary deploy builds, in stage's
// order: those asked for, or else those whose build context holds a
// touched path; and how they were chosen.
func stageServices(p config.Pipeline, asked, touched []string) ([]config.Service, string) {
	var out []config.Service
	for _, svc := range p.ServicesIn(config.Stage) {
		if len(asked) > 0 && slices.Contains(asked, svc.Name) || len(asked) == 0 && slices.ContainsFunc(touched, func(f string) bool { return inContext(svc.Build.Context, f) }) {
			out = append(out, svc)
		}
	}
	if len(asked) > 0 {
		return out, "named with --service"
	}
	if len(out) == 0 {
		var contexts []string
		for _, svc := range p.OrderedServices() {
			contexts = append(contexts, svc.Name+" "+contextOf(svc.Build.Context))
		}
		return nil, fmt.Sprintf("the picks touch no service's build context (they touch %s; the contexts are %s)", strings.Join(touched, ", "), strings.Join(contexts, ", "))
	}
	return out, "their build context holds a path the picks touch"
}

// contextOf is a build context as a clean path relative to the
// repository's root: "." for the whole repository.
func contextOf(c string) string {
	c = strings.Trim(path.Clean("/"+c), "/")
	if c == "" {
		return "."
	}
	return c
}

// inContext reports whether the build context c holds the path f.
func inContext(c, f string) bool {
	c = contextOf(c)
	return c == "." || f == c || strings.HasPrefix(f, c+"/")
}

func serviceNames(services []config.Service) []string {
	names := make([]string, len(services))
	for i, s := range services {
		names[i] = s.Name
	}
	return names
}
