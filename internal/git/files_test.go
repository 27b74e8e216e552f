package git_test

import (
	"slices"
	"testing"
)

func TestFiles(t *testing.T) {
	r := newRepo(t)
	ctx := t.Context()
	root := r.WriteCommit(t, "base", map[string]string{"app.go": "package app\n", "services/api/main.go": "package main\n"})
	change := r.WriteCommit(t, "api and docs", map[string]string{"services/api/main.go": "package main // v2\n", "docs/a b.md": "x\n"})
	for _, tc := range []struct {
		name, rev string
		want      []string
	}{
		{"root_commit_lists_every_file", root, []string{"app.go", "services/api/main.go"}},
		{"a_change_lists_only_what_it_changes", change, []string{"docs/a b.md", "services/api/main.go"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Files(ctx, tc.rev)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("Files(%s) = %q, %v; want %q", tc.name, got, err, tc.want)
			}
		})
	}
	if _, err := r.Files(ctx, "0000000"); err == nil {
		t.Error("Files of an unknown commit succeeded")
	}
}
