package git_test

import (
	"slices"
	"testing"
	"time"

	"github.com/signalman/signalman/internal/git"
)

func TestLog(t *testing.T) {
	r := newRepo(t)
	start := time.Now().Add(-time.Second)
	r.Author = git.Identity{Name: "Zoë Ünicode", Email: "zoe@example.com"}
	one := r.WriteCommit(t, "feat: one", nil)
	r.Git(t, "tag", "v1.1.0")
	r.Author = git.Identity{Name: "Sam", Email: "sam@example.com"}
	two := r.WriteCommit(t, "fix: two\n\nThe body\nhas lines,\ttabs and \x1e separators.\n\nAnd paragraphs.", nil)
	three := r.WriteCommit(t, "chore: three\nwrapped subject", nil)

	tests := []struct {
		name, from, to string
		want           []string
	}{
		{name: "empty_from_is_all_history_oldest_first", to: "main", want: []string{one, two, three}},
		{name: "range_excludes_from", from: "v1.1.0", to: "main", want: []string{two, three}},
		{name: "empty_range_is_empty", from: "main", to: "v1.1.0", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := r.Log(t.Context(), tt.from, tt.to)
			if err != nil {
				t.Fatalf("Log: %v", err)
			}
			var got []string
			for _, c := range log {
				got = append(got, c.SHA)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Log = %q, want %q", got, tt.want)
			}
		})
	}

	log, err := r.Log(t.Context(), "", "main")
	if err != nil || len(log) != 3 {
		t.Fatalf("Log = %v, %v", log, err)
	}
	t.Run("fields_are_read_whole", func(t *testing.T) {
		c := log[1]
		want := git.Commit{
			SHA: two, Author: "Sam", Email: "sam@example.com",
			Subject: "fix: two",
			Body:    "The body\nhas lines,\ttabs and \x1e separators.\n\nAnd paragraphs.",
		}
		c.Time, c.Committed = time.Time{}, time.Time{}
		if c != want {
			t.Errorf("Log[1] = %+v\nwant     %+v", c, want)
		}
		if log[0].Author != "Zoë Ünicode" {
			t.Errorf("Log[0].Author = %q", log[0].Author)
		}
		if log[2].Subject != "chore: three wrapped subject" || log[2].Body != "" {
			t.Errorf("Log[2] subject %q body %q, want the first paragraph as subject", log[2].Subject, log[2].Body)
		}
	})
	t.Run("times_are_when_it_was_written", func(t *testing.T) {
		for _, c := range log {
			if c.Time.Before(start) || c.Time.After(time.Now()) || c.Committed.Before(c.Time) {
				t.Errorf("commit %s: authored %v, committed %v; want both since %v", c.SHA, c.Time, c.Committed, start)
			}
		}
	})
}

func TestCommitPickedFrom(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{name: "no_trailer", body: "Just a fix.", want: ""},
		{name: "trailer", body: "Fix.\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)", want: "0123456789abcdef0123456789abcdef01234567"},
		{name: "picked_twice_uses_the_last", body: "(cherry picked from commit aaa)\n(cherry picked from commit bbb)", want: "bbb"},
		{name: "quoted_in_prose_is_ignored", body: "see (cherry picked from commit aaa) above", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (git.Commit{Body: tt.body}).CherryPickedFrom(); got != tt.want {
				t.Errorf("CherryPickedFrom = %q, want %q", got, tt.want)
			}
		})
	}
}
