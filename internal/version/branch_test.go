package version

import "testing"

func TestBranch(t *testing.T) {
	tests := []struct {
		name  string
		train int
		want  string
	}{
		{"names_the_train", 101, "train-101"},
		{"train_zero", 0, "train-0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Branch(tt.train); got != tt.want {
				t.Errorf("Branch(%d) = %q, want %q", tt.train, got, tt.want)
			}
			if got, err := ParseBranch(tt.want); err != nil || got != tt.train {
				t.Errorf("ParseBranch(%q) = %d, %v; want %d", tt.want, got, err, tt.train)
			}
		})
	}
}

func TestParseBranchRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"main_branch", "main", `branch "main": want train-N`},
		{"ref_path", "refs/heads/train-101", `branch "refs/heads/train-101": want train-N`},
		{"capitalised", "Train-101", `branch "Train-101": want train-N`},
		{"no_number", "train-", `branch "train-": train "" is not a number (want train-N)`},
		{"leading_zero", "train-0101", `branch "train-0101": train "0101" has a leading zero (want train-N)`},
		{"negative", "train--1", `branch "train--1": train "-1" is not a number (want train-N)`},
		{"suffix", "train-101-hotfix", `branch "train-101-hotfix": train "101-hotfix" is not a number (want train-N)`},
		{"overflow", "train-99999999999", `branch "train-99999999999": train "99999999999" is too large (at most 2147483647) (want train-N)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseBranch(tt.in)
			if err == nil {
				t.Fatalf("ParseBranch(%q) = %d, want an error", tt.in, n)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseBranch(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
		})
	}
}
