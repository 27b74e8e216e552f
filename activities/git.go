package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/signalman/signalman/internal/contract"
	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/version"
)

// Git tags releases in the product's repository. It keeps one working copy
// per product under Dir and pushes to the product's remote.
type Git struct {
	Dir string
	// GitHub adds pull requests to release notes; nil leaves them out.
	GitHub *GitHub
}

// Tag creates the annotated release tag on the commit Ref names and pushes
// it. It is idempotent: a tag that already exists on the remote is the
// release's commit (a retry after the push must not re-resolve a branch that
// has moved on), and a local tag at another commit is refused.
func (g *Git) Tag(ctx context.Context, req contract.TagRequest) (contract.TagResult, error) {
	if _, err := version.Parse(req.Tag); err != nil {
		return contract.TagResult{}, badInput("tag %s: %v", req.Product, err)
	}
	if req.RepoURL == "" || req.Ref == "" {
		return contract.TagResult{}, badInput("tag %s %s: repository URL and ref are required", req.Product, req.Tag)
	}
	// The working copy is a clone of the product's repository, so its
	// origin is the repository tags are pushed to.
	const remote = "origin"
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, remote)
	if err != nil {
		return contract.TagResult{}, err
	}
	if sha, found, err := repo.RemoteTag(ctx, remote, req.Tag); err != nil {
		return contract.TagResult{}, fmt.Errorf("look up tag %s on %s: %w", req.Tag, remote, err)
	} else if found {
		if err := repo.Tag(ctx, req.Tag, sha, req.Message); err != nil {
			return contract.TagResult{}, conflictOr(err)
		}
		activity.GetLogger(ctx).Info("tag already on the remote", "tag", req.Tag, "commit", sha)
		return contract.TagResult{Commit: sha, Created: false}, nil
	}
	sha, err := resolve(ctx, repo, remote, req.Ref)
	if err != nil {
		return contract.TagResult{}, badInput("tag %s %s: %v", req.Product, req.Tag, err)
	}
	if err := repo.Tag(ctx, req.Tag, sha, req.Message); err != nil {
		return contract.TagResult{}, conflictOr(err)
	}
	if err := repo.VerifyTag(ctx, req.Tag, sha); err != nil {
		return contract.TagResult{}, conflictOr(err)
	}
	activity.RecordHeartbeat(ctx, "tagged")
	// Until here nothing outside has changed, and an abort cancels the
	// activity. The push is the change: once begun it runs to its end
	// (bounded by the activity's timeout), so an aborted release never
	// leaves a tag pushed that its result does not name.
	pushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pushTimeout)
	defer cancel()
	if err := repo.Push(pushCtx, remote, "refs/tags/"+req.Tag); err != nil {
		return contract.TagResult{}, gitFailure(fmt.Errorf("push tag %s to %s: %w", req.Tag, remote, err))
	}
	activity.GetLogger(ctx).Info("tagged and pushed", "tag", req.Tag, "commit", sha, "remote", remote)
	return contract.TagResult{Commit: sha, Created: true}, nil
}

// workingCopy clones the product's repository once and fetches it
// afterwards. The copy is keyed by the URL too, so a product whose
// repository moves never tags its old one.
func (g *Git) workingCopy(ctx context.Context, product, url, remote string) (*git.Repo, error) {
	sum := sha256.Sum256([]byte(url))
	dir := filepath.Join(g.Dir, product+"-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
		repo := &git.Repo{Dir: dir}
		if err := repo.Fetch(ctx, remote); err != nil {
			return nil, gitFailure(fmt.Errorf("fetch %s: %w", url, err))
		}
		return repo, nil
	}
	if err := os.MkdirAll(g.Dir, 0o755); err != nil {
		return nil, err
	}
	// Clone into a temporary name and rename, so a worker killed mid-clone
	// never leaves a half-cloned working copy behind.
	tmp, err := os.MkdirTemp(g.Dir, product+".clone-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if _, err := git.Clone(ctx, url, filepath.Join(tmp, "repo")); err != nil {
		return nil, gitFailure(err)
	}
	if err := os.Rename(filepath.Join(tmp, "repo"), dir); err != nil {
		return nil, err
	}
	return &git.Repo{Dir: dir}, nil
}

// resolve finds the commit a branch (on the remote) or commit names.
func resolve(ctx context.Context, repo *git.Repo, remote, ref string) (string, error) {
	if sha, err := repo.RevParse(ctx, "refs/remotes/"+remote+"/"+ref); err == nil {
		return sha, nil
	}
	sha, err := repo.RevParse(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("%q is neither a branch on %s nor a commit", ref, remote)
	}
	return sha, nil
}

// pushTimeout bounds a push that an abort no longer stops.
const pushTimeout = 5 * time.Minute

// gitFailure makes a git failure that no retry can fix (a repository that
// does not exist, refused credentials) non-retryable, so the stage fails at
// once with git's message instead of retrying for as long as its schedule
// allows.
func gitFailure(err error) error {
	if git.Fatal(err) {
		return permanent(contract.ErrBadInput, err)
	}
	return err
}

// conflictOr turns a tag that points elsewhere into a non-retryable conflict.
func conflictOr(err error) error {
	var mismatch *git.TagMismatchError
	if errors.As(err, &mismatch) {
		return permanent(contract.ErrConflict, err)
	}
	return err
}

// BranchHead returns the commit a branch of the repository is at.
func (g *Git) BranchHead(ctx context.Context, req contract.BranchHeadRequest) (string, error) {
	repo, err := g.workingCopy(ctx, req.Product, req.RepoURL, "origin")
	if err != nil {
		return "", err
	}
	sha, found, err := repo.RemoteBranch(ctx, "origin", req.Branch)
	if err != nil {
		return "", err
	}
	if !found {
		return "", badInput("%s has no branch %s", req.RepoURL, req.Branch)
	}
	return sha, nil
}
