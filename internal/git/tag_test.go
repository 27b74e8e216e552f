package git_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/signalman/signalman/internal/git"
)

func TestTag(t *testing.T) {
	r := newRepo(t)
	r.Identity = git.Identity{Name: "Release Bot", Email: "release@example.com"}
	first := r.WriteCommit(t, "first", nil)
	second := r.WriteCommit(t, "second", nil)

	tests := []struct {
		name, tag, rev string
		wantErr        error
		mismatch       *git.TagMismatchError
	}{
		{name: "new_tag_is_created", tag: "v1.1.0", rev: first},
		{name: "same_tag_again_is_a_no_op", tag: "v1.1.0", rev: "main~1"},
		{
			name: "tag_elsewhere_is_a_mismatch", tag: "v1.1.0", rev: second,
			mismatch: &git.TagMismatchError{Tag: "v1.1.0", Want: second, Got: first},
		},
		{name: "missing_commit_is_not_found", tag: "v1.2.0", rev: "0123456789abcdef0123456789abcdef01234567", wantErr: git.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Tag(t.Context(), tt.tag, tt.rev, "Release "+tt.tag)
			switch {
			case tt.mismatch != nil:
				var got *git.TagMismatchError
				if !errors.As(err, &got) || *got != *tt.mismatch {
					t.Fatalf("error = %v, want %v", err, tt.mismatch)
				}
				if !strings.Contains(err.Error(), "tag v1.1.0 points at "+first[:12]+", not "+second[:12]) {
					t.Errorf("message = %q, want it to say where the tag points", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}

	if typ := r.Git(t, "cat-file", "-t", "refs/tags/v1.1.0"); typ != "tag" {
		t.Errorf("v1.1.0 is a %s, want an annotated tag", typ)
	}
	if got := r.Git(t, "for-each-ref", "--format=%(taggername) %(taggeremail) %(contents:subject)", "refs/tags/v1.1.0"); got != "Release Bot <release@example.com> Release v1.1.0" {
		t.Errorf("tagger and message = %q", got)
	}
}

func TestTagUsesDefaultIdentityWithoutGitConfig(t *testing.T) {
	r := newRepo(t) // no global config: git alone would refuse to tag
	sha := r.WriteCommit(t, "first", nil)
	if err := r.Tag(t.Context(), "v1.1.0", sha, "Release"); err != nil {
		t.Fatalf("Tag: %v", err)
	}
	want := git.DefaultName + " <" + git.DefaultEmail + ">"
	if got := r.Git(t, "for-each-ref", "--format=%(taggername) %(taggeremail)", "refs/tags/v1.1.0"); got != want {
		t.Errorf("tagger = %q, want %q", got, want)
	}
}

func TestVerifyTag(t *testing.T) {
	r := newRepo(t)
	first := r.WriteCommit(t, "first", nil)
	second := r.WriteCommit(t, "second", nil)
	r.Git(t, "tag", "--annotate", "--message", "annotated", "v1.1.0", first)
	r.Git(t, "tag", "v1.2.0", second)

	tests := []struct {
		name, tag, rev string
		wantErr        error
		wantMismatch   bool
	}{
		{name: "annotated_tag_at_commit", tag: "v1.1.0", rev: first},
		{name: "lightweight_tag_at_commit", tag: "v1.2.0", rev: "main"},
		{name: "tag_elsewhere_is_a_mismatch", tag: "v1.1.0", rev: second, wantMismatch: true},
		{name: "missing_tag_is_not_found", tag: "v1.3.0", rev: second, wantErr: git.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.VerifyTag(t.Context(), tt.tag, tt.rev)
			var mismatch *git.TagMismatchError
			if got := errors.As(err, &mismatch); got != tt.wantMismatch {
				t.Fatalf("error = %v, want a mismatch: %v", err, tt.wantMismatch)
			}
			if !tt.wantMismatch && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if got, err := r.TagCommit(t.Context(), "v1.1.0"); err != nil || got != first {
		t.Errorf("TagCommit(v1.1.0) = %s, %v; want the commit %s, not the tag object", got, err, first)
	}
}
