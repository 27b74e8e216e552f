package command

import (
	"slices"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		writes []string
		want   []string
	}{
		{name: "empty_output_keeps_nothing", n: 3, want: nil},
		{name: "lines_split_across_writes_are_joined", n: 3, writes: []string{"he", "llo\nwor", "ld\n"}, want: []string{"hello", "world"}},
		{name: "ring_wraps_to_the_last_lines", n: 2, writes: []string{"a\nb\nc\nd\ne\n"}, want: []string{"d", "e"}},
		{name: "ring_exactly_full_keeps_order", n: 3, writes: []string{"a\nb\nc\n"}, want: []string{"a", "b", "c"}},
		{name: "carriage_return_before_newline_is_dropped", n: 3, writes: []string{"a\r\n"}, want: []string{"a"}},
		{name: "empty_lines_are_lines", n: 3, writes: []string{"\n\nx\n"}, want: []string{"", "", "x"}},
		{
			name:   "cut_does_not_split_a_rune",
			n:      1,
			writes: []string{strings.Repeat("a", MaxLine-1) + "é\n"},
			want:   []string{strings.Repeat("a", MaxLine-1) + truncated},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			l := newLines(tt.n, func(s string) { seen = append(seen, s) })
			l.consume(strings.NewReader(strings.Join(tt.writes, "")))
			l2 := newLines(tt.n, nil)
			for _, w := range tt.writes {
				l2.write([]byte(w))
			}
			if got := l.Tail(); !slices.Equal(got, tt.want) {
				t.Errorf("Tail = %q, want %q", got, tt.want)
			}
			if got := l2.Tail(); !slices.Equal(got, tt.want) {
				t.Errorf("Tail after separate writes = %q, want %q", got, tt.want)
			}
			if len(seen) < len(tt.want) {
				t.Errorf("onLine saw %d lines, want at least %d", len(seen), len(tt.want))
			}
		})
	}
}
