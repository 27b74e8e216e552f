package git

import (
	"slices"
	"testing"
)

func TestClobberedTags(t *testing.T) {
	tests := []struct {
		name, stderr string
		want         []string
	}{
		{name: "no_rejection", stderr: "From /srv/shop\n * [new tag] v1.2.0 -> v1.2.0\n", want: nil},
		{
			name: "moved_tags",
			stderr: "From /srv/shop\n ! [rejected]        v1.1.0     -> v1.1.0  (would clobber existing tag)\n" +
				" * [new tag]         v1.2.0     -> v1.2.0\n" +
				" ! [rejected]        v1.0.0     -> v1.0.0  (would clobber existing tag)\n",
			want: []string{"v1.1.0", "v1.0.0"},
		},
		{name: "other_rejection", stderr: " ! [rejected] main -> origin/main (non-fast-forward)\n", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clobberedTags(tt.stderr); !slices.Equal(got, tt.want) {
				t.Errorf("clobberedTags = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseRejected(t *testing.T) {
	out := "To /srv/shop.git\n" +
		"=\trefs/heads/main:refs/heads/main\t[up to date]\n" +
		"!\trefs/tags/v1.1.0:refs/tags/v1.1.0\t[rejected] (already exists)\n" +
		"!\trefs/heads/train-1:refs/heads/train-1\t[remote rejected] (pre-receive hook declined)\n" +
		"Done\n"
	var got []RejectedError
	for _, r := range parseRejected(out) {
		got = append(got, *r)
	}
	want := []RejectedError{
		{Ref: "refs/tags/v1.1.0", Reason: "[rejected] (already exists)"},
		{Ref: "refs/heads/train-1", Reason: "[remote rejected] (pre-receive hook declined)"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseRejected = %+v, want %+v", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "token_as_password", in: "https://x-access-token:ghs_secret@github.com/acme/shop.git", want: "https://github.com/acme/shop.git"},
		{name: "token_as_user", in: "https://ghp_secret@github.com/acme/shop.git", want: "https://github.com/acme/shop.git"},
		{name: "no_credentials", in: "https://github.com/acme/shop.git", want: "https://github.com/acme/shop.git"},
		{name: "scp_style_is_kept", in: "git@github.com:acme/shop.git", want: "git@github.com:acme/shop.git"},
		{name: "path_is_kept", in: "/srv/git/shop.git", want: "/srv/git/shop.git"},
		{name: "remote_name_is_kept", in: "origin", want: "origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactURL(tt.in); got != tt.want {
				t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseCommitRejectsMalformedRecords(t *testing.T) {
	tests := []struct {
		name, rec string
	}{
		{name: "too_few_fields", rec: "abc\nname"},
		{name: "bad_author_date", rec: "abc\nname\nmail\nyesterday\n2026-01-02T03:04:05Z\nsubject\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseCommit(tt.rec); err == nil {
				t.Error("parseCommit succeeded, want an error")
			}
		})
	}
}
