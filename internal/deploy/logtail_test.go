package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTailLinesOf(t *testing.T) {
	tests := []struct {
		name string
		text string
		cut  bool
		n    int
		want []string
	}{
		{"empty", "", false, 5, nil},
		{"last_n_lines", "a\nb\nc\nd\n", false, 2, []string{"c", "d"}},
		{"only_since_the_last_start", logMarker + "1\nold\n" + logMarker + "2\nnew\n", false, 5, []string{"new"}},
		{"nothing_since_the_last_start", "old\n" + logMarker + "2\n", false, 5, nil},
		{"partial_first_line_dropped", "rtial\nwhole\n", true, 5, []string{"whole"}},
		{"no_final_newline", "a\nb", false, 5, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tailLinesOf(tt.text, tt.cut, tt.n); !slices.Equal(got, tt.want) {
				t.Errorf("tailLinesOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogTailReadsOnlyTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	big := strings.Repeat("filler line\n", 2*tailBytes/12) + "last\n"
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	got := logTail(path, 2)
	if !slices.Equal(got, []string{"filler line", "last"}) {
		t.Errorf("logTail = %q", got)
	}
	if got := logTail(filepath.Join(t.TempDir(), "missing.log"), 2); got != nil {
		t.Errorf("logTail of a missing file = %q, want nil", got)
	}
}
