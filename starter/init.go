package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/signalman/signalman/examples"
	"github.com/signalman/signalman/internal/config"
	igit "github.com/signalman/signalman/internal/git"
)

func (c *cli) initCmd() *cobra.Command {
	var example, repo string
	cmd := &cobra.Command{
		Use:   "init [--product NAME] [--repo URL] [FILE] | init --example DIR",
		Short: "Write a signalman.yaml for this repository, or set up the example product for a trial",
		Long: `init writes FILE (default signalman.yaml), a commented pipeline file for the
repository it is in: the product is --product or the directory's name, the
repository --repo or the origin remote. It never overwrites a file.

init --example DIR sets up the example product for a trial: DIR/shop, a git
repository holding examples/shop committed on main, pushed to the bare
remote DIR/shop.git, with a signalman.yaml that ships without the usual
five-minute delay and says what each wait of a release is.`,
		Example: `  signalman init --example trial && cd trial/shop
  signalman init --product shop --repo git@github.com:example/shop.git`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usage("init takes at most one FILE (got %d arguments); see `signalman init --help`", len(args))
			}
			if example != "" {
				if len(args) > 0 || repo != "" {
					return usage("init --example DIR writes the example's own signalman.yaml; leave out FILE and --repo")
				}
				return initExample(cmd.Context(), example)
			}
			file := "signalman.yaml"
			if len(args) == 1 {
				file = args[0]
			}
			return initSkeleton(cmd.Context(), file, c.product, repo)
		},
	}
	cmd.Flags().StringVar(&example, "example", "", "set up the example product for a trial in this directory")
	cmd.Flags().StringVar(&repo, "repo", "", "repository.url: what git clone takes (default: the origin remote)")
	return cmd
}

// initExample makes DIR/shop and its bare remote DIR/shop.git in a
// temporary directory inside DIR and moves them into place only once both
// are complete, so a failure leaves nothing half made.
func initExample(ctx context.Context, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("init --example %s: %w", dir, err)
	}
	repo, remote := filepath.Join(abs, "shop"), filepath.Join(abs, "shop.git")
	for _, p := range []string{repo, remote} {
		if _, err := os.Lstat(p); err == nil {
			return usage("%s already holds a shop repository (%s); choose another directory, or remove it to start over", dir, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("init --example %s: %w", dir, err)
		}
	}
	_, statErr := os.Stat(abs)
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("init --example: create %s: %w", dir, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		defer os.Remove(abs) // only when it is still empty: a failure
	}
	work, err := os.MkdirTemp(abs, ".signalman-init-")
	if err != nil {
		return fmt.Errorf("init --example: %w", err)
	}
	defer os.RemoveAll(work)

	files, err := examples.Shop()
	if err != nil {
		return fmt.Errorf("init --example: read the example product: %w", err)
	}
	if files["signalman.yaml"], err = trialPipeline(files["signalman.yaml"], remote); err != nil {
		return err
	}
	if err := makeRepo(ctx, filepath.Join(work, "shop"), filepath.Join(work, "shop.git"), files); err != nil {
		return fmt.Errorf("init --example %s: %w", dir, err)
	}
	if err := os.Rename(filepath.Join(work, "shop.git"), remote); err != nil {
		return fmt.Errorf("init --example: %w", err)
	}
	if err := os.Rename(filepath.Join(work, "shop"), repo); err != nil {
		os.RemoveAll(remote)
		return fmt.Errorf("init --example: %w", err)
	}
	if err := git(ctx, repo, "remote", "set-url", "origin", remote); err != nil {
		os.RemoveAll(repo)
		os.RemoveAll(remote)
		return fmt.Errorf("init --example %s: %w", dir, err)
	}
	fmt.Printf("%s: the example product, committed on main and pushed to %s\n", repo, remote)
	fmt.Printf("%s: its pipeline, ready for a trial (ship delay 0s)\n", filepath.Join(repo, "signalman.yaml"))
	fmt.Printf("next: cd %s && signalman config validate signalman.yaml && signalman release start v1.101.0 --as alice\n", filepath.Join(dir, "shop"))
	return nil
}

// makeRepo makes a git repository at repo holding files, committed on main
// and pushed to a new bare repository at remote, its origin.
func makeRepo(ctx context.Context, repo, remote string, files map[string]string) error {
	if err := git(ctx, "", "init", "--quiet", "--bare", "--initial-branch=main", remote); err != nil {
		return err
	}
	if err := git(ctx, "", "init", "--quiet", "--initial-branch=main", repo); err != nil {
		return err
	}
	if err := git(ctx, repo, "remote", "add", "origin", remote); err != nil {
		return err
	}
	for name, body := range files {
		path := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return err
		}
	}
	if err := git(ctx, repo, "add", "--all"); err != nil {
		return err
	}
	who := []string{"-c", "user.name=" + igit.DefaultName, "-c", "user.email=" + igit.DefaultEmail}
	if err := git(ctx, repo, append(who, "commit", "--quiet", "-m", "feat: the shop, from signalman init --example")...); err != nil {
		return err
	}
	return git(ctx, repo, "push", "--quiet", "origin", "main")
}

// Comments of the trial pipeline: what each wait of a release is and how a
// trial passes it, in the order a release meets them.
const (
	trialHead = `A trial of Signalman: the example product (three small HTTP services),
made by signalman init --example. A release waits at these places, in order:
the QA signoff and the SRE approval (environments.*.signoffs), the ship
delay (release.ship_delay), the deploy window (environments.prod.window)
and, from a service's second release on, the canary (environments.prod.canary).`
	trialURL  = `The bare remote init made: the release clones it and pushes its tag there.`
	trialQA   = `The QA signoff, on stage: signalman signoff VERSION --verdict green --as quinn`
	trialSRE  = `The SRE approval, for prod: signalman approve VERSION --env prod --as sam`
	trialShip = `The ship delay: production ships this long after the last signoff
(default 5m, time to stop a release); none in a trial.`
	trialWindow = `The deploy window: production deploys Monday to Thursday, 08:00 to 16:00
New York time; outside it the release waits at the window stage until it
opens. To ship now, an sre approver other than whoever started the release
grants an exception:
  signalman override-window VERSION --reason urgent-deadline --justification "trying Signalman" --as sasha
or delete this window block to ship at any hour.`
	trialCanary = `The canary: a service's first release goes straight to production (there is
no earlier version to compare it with). From the second on, the new version
takes 10%, then 50%, of the traffic through the service's router, each for
its pause, and is judged against the old one. With too little traffic (under
10 requests a side) a step is watched three pauses longer, then asks a person:
  signalman canary VERSION continue`
)

// trialPipeline rewrites the example's signalman.yaml for a trial: its
// repository is remote, it ships without delay, and comments say what each
// wait is. The result is checked as the CLI will load it.
func trialPipeline(example, remote string) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(example), &doc); err != nil || len(doc.Content) == 0 {
		return "", fmt.Errorf("init --example: the example's signalman.yaml: %v", err)
	}
	root := doc.Content[0]
	var problems []string
	at := func(path ...string) (key, value *yaml.Node) {
		key, value = yamlLookup(root, path...)
		if key == nil {
			problems = append(problems, strings.Join(path, "."))
			return &yaml.Node{}, &yaml.Node{}
		}
		return key, value
	}
	if len(root.Content) > 0 {
		root.Content[0].HeadComment = trialHead
	}
	key, url := at("repository", "url")
	key.HeadComment, url.Value, url.Style = trialURL, remote, 0
	key, _ = at("environments", "stage", "signoffs")
	key.HeadComment = trialQA
	key, _ = at("environments", "prod", "signoffs")
	key.HeadComment = trialSRE
	key, _ = at("environments", "prod", "window")
	key.HeadComment = trialWindow
	key, _ = at("environments", "prod", "canary")
	key.HeadComment = trialCanary
	_, release := at("release")
	release.Content = append(release.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: "ship_delay", HeadComment: trialShip},
		&yaml.Node{Kind: yaml.ScalarNode, Value: "0s"})
	if len(problems) > 0 {
		return "", fmt.Errorf("init --example: the example's signalman.yaml has no %s", strings.Join(problems, ", "))
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("init --example: write the trial's signalman.yaml: %w", err)
	}
	if _, err := config.Parse("signalman.yaml", b.Bytes()); err != nil {
		return "", fmt.Errorf("init --example: the trial's signalman.yaml does not validate: %w", err)
	}
	return b.String(), nil
}

// yamlLookup finds the key and value nodes at path in a mapping.
func yamlLookup(m *yaml.Node, path ...string) (key, value *yaml.Node) {
	for _, name := range path {
		if m == nil || m.Kind != yaml.MappingNode {
			return nil, nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == name {
				key, next = m.Content[i], m.Content[i+1]
			}
		}
		if next == nil {
			return nil, nil
		}
		m = next
	}
	return key, m
}

// skeleton is the pipeline file init writes for a repository of one's own.
const skeleton = `# signalman.yaml: how Signalman releases %[1]s, from tag to production.
# Check it with: signalman config validate %[4]s
# Every field, with its default, is in Signalman's README (Configuration).

# Lowercase letters, digits and dashes, at most 40 characters.
product: %[1]s

repository:
  # What git clone takes; a release pushes its tag here.
  url: %[2]s
  main_branch: main

# A tagged commit passes this, run with sh -c in a clean checkout, before
# anything is built (optional).
tests:
  command: go test ./...
  timeout: 30m

# Deployed one at a time, lowest order first. kind go builds a Go main
# package without a Docker daemon; kind dockerfile uses the Docker Engine.
services:
  - name: %[3]s
    order: 1
    build: {kind: go, package: .}
    # An instance is ready when this answers 2xx; it listens on $PORT.
    health: {path: /healthz}
    # Requests made after every deploy; a failure rolls back.
    smoke:
      - {path: /healthz}

environments:
  stage:
    target: process    # process (local processes) or docker
    signoffs:
      - role: qa       # signalman signoff VERSION --verdict green
  prod:
    target: process
    # Production deploys only inside this window; a release waits for it
    # unless an approver of release.exception_role grants an exception
    # (signalman override-window). A service deploy starts only if its
    # canary's pauses plus 10 minutes fit before the window closes. Leaving
    # window out gives prod this same default; "window: always" deploys at
    # any time.
    window:
      days: [mon, tue, wed, thu]
      start: "08:00"
      end: "16:00"
      timezone: America/New_York
    # From a service's second release on, the new version takes these
    # shares of the traffic through its router, each for its pause, and
    # is judged against the old one.
    canary:
      steps:
        - {weight: 10, pause: 5m}
        - {weight: 50, pause: 10m}
    signoffs:
      - role: sre      # signalman approve VERSION --env prod

# Who may sign for each role; replace these with your team.
approvers:
  qa: [quinn]
  sre: [sam]

# claimed believes the name a request gives (--as), so anyone who reaches
# your Temporal server can act as anyone. List each person's SSH public key
# instead, and every request must be signed with it:
#   people:
#     quinn: {ssh_keys: ["ssh-ed25519 AAAA... quinn@laptop"]}
#     sam: {ssh_keys: ["ssh-ed25519 AAAA... sam@laptop"]}
auth: claimed

release:
  # Production ships this long after the last signoff: time to stop it.
  ship_delay: 5m
`

// initSkeleton writes a commented pipeline file for the repository file
// goes into, and refuses to overwrite one.
func initSkeleton(ctx context.Context, file, product, repo string) error {
	dir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return fmt.Errorf("init %s: %w", file, err)
	}
	if product == "" {
		product = productName(filepath.Base(dir))
	}
	if repo == "" {
		repo = originURL(ctx, dir)
		if repo == "" {
			return usage("init %s: %s has no origin remote to take the repository from; pass --repo URL (what git clone takes)", file, dir)
		}
	}
	url, err := yaml.Marshal(repo)
	if err != nil {
		return fmt.Errorf("init %s: %w", file, err)
	}
	body := fmt.Sprintf(skeleton, product, strings.TrimSpace(string(url)), product, filepath.Base(file))
	if _, err := config.Parse(file, []byte(body)); err != nil {
		return usage("init %s: %v; pass --product NAME (lowercase letters, digits and dashes)", file, err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usage("init: %s already exists; edit it, or remove it to start over", file)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		os.Remove(file)
		return fmt.Errorf("init: write %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(file)
		return fmt.Errorf("init: write %s: %w", file, err)
	}
	fmt.Printf("wrote %s for product %s (repository %s); edit its services and approvers, then: signalman config validate %s\n", file, product, repo, file)
	return nil
}

// productName makes a directory name into a product name: lowercase, with
// a dash for each run of other characters.
func productName(dir string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(dir) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// originURL is the URL of dir's origin remote, or "" when it has none.
func originURL(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "git", "remote", "get-url", "origin")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
