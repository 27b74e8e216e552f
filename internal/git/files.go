package git

import (
	"context"
	"fmt"
	"strings"
)

// Files returns the paths the commit rev changes against its first
// parent (against nothing, for a root commit), as git names them.
func (r *Repo) Files(ctx context.Context, rev string) ([]string, error) {
	sha, err := r.RevParse(ctx, rev)
	if err != nil {
		return nil, err
	}
	out, err := r.run(ctx, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", "--no-renames", sha)
	if err != nil {
		return nil, fmt.Errorf("files of %s: %w", rev, err)
	}
	var files []string
	for f := range strings.SplitSeq(out, "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	return files, nil
}
