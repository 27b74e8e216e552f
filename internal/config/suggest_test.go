package config

import "testing"

func TestSuggest(t *testing.T) {
	known := []string{"name", "order", "build", "port", "instances", "health", "smoke", "main_branch", "timeout"}
	tests := []struct {
		name, word, want string
	}{
		{name: "swapped_letters", word: "buidl", want: "build"},
		{name: "missing_letter", word: "timout", want: "timeout"},
		{name: "camel_case", word: "mainBranch", want: "main_branch"},
		{name: "dashes", word: "main-branch", want: "main_branch"},
		{name: "one_typo_in_a_short_word", word: "prot", want: "port"},
		{name: "two_typos_in_a_long_word", word: "instnces", want: "instances"},
		{name: "nothing_close", word: "owner", want: ""},
		{name: "two_typos_in_a_short_word_is_too_far", word: "smkie", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := suggest(tt.word, known); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}
