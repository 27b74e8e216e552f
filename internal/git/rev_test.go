package git_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/git"
	"github.com/signalman/signalman/internal/git/gittest"
)

func TestRevParse(t *testing.T) {
	r := newRepo(t)
	first := r.WriteCommit(t, "first", nil)
	second := r.WriteCommit(t, "second", nil)
	r.Git(t, "tag", "--annotate", "--message", "annotated", "v1.1.0", first)

	tests := []struct {
		name, rev, want string
		wantErr         error
	}{
		{name: "branch", rev: "main", want: second},
		{name: "annotated_tag_peels_to_its_commit", rev: "v1.1.0", want: first},
		{name: "short_hash_is_expanded", rev: first[:8], want: first},
		{name: "expression", rev: "main~1", want: first},
		{name: "missing_is_not_found", rev: "v9.9.9", wantErr: git.ErrNotFound},
		{name: "tree_is_not_a_commit", rev: "main^{tree}", wantErr: git.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.RevParse(t.Context(), tt.rev)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("RevParse(%q) = %q, %v; want %q, %v", tt.rev, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestRevParseOutsideRepository(t *testing.T) {
	gittest.Isolate(t)
	r := &git.Repo{Dir: t.TempDir()}
	_, err := r.RevParse(t.Context(), "main")
	var gitErr *git.Error
	if !errors.As(err, &gitErr) || gitErr.Args[0] != "rev-parse" {
		t.Fatalf("error = %v, want a *git.Error from rev-parse", err)
	}
	if !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("error = %q, want git's stderr in it", err)
	}
}

func TestContains(t *testing.T) {
	r := newRepo(t)
	base := r.WriteCommit(t, "base", nil)
	r.Git(t, "branch", "train-1")
	onMain := r.WriteCommit(t, "on main", nil)

	tests := []struct {
		name, ancestor, rev string
		want                bool
	}{
		{name: "older_commit_is_contained", ancestor: base, rev: "main", want: true},
		{name: "commit_contains_itself", ancestor: onMain, rev: onMain, want: true},
		{name: "newer_commit_is_not_contained", ancestor: onMain, rev: "train-1", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Contains(t.Context(), tt.ancestor, tt.rev)
			if err != nil || got != tt.want {
				t.Errorf("Contains = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := r.Contains(t.Context(), "nope", "main"); !errors.Is(err, git.ErrNotFound) {
		t.Errorf("Contains of a missing revision: error = %v, want ErrNotFound", err)
	}
}

func TestCommitTime(t *testing.T) {
	r := newRepo(t)
	before := time.Now().Truncate(time.Second)
	sha := r.WriteCommit(t, "first", nil)
	after := time.Now()
	got, err := r.CommitTime(t.Context(), sha)
	if err != nil {
		t.Fatalf("CommitTime: %v", err)
	}
	if got.Before(before) || got.After(after) {
		t.Errorf("CommitTime = %v, want between %v and %v", got, before, after)
	}
}
