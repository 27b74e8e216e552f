package config

import "testing"

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "file_line_and_field",
			err:  &Error{File: "signalman.yaml", Line: 14, Field: "environments.prod.window.start", Msg: `"25:00" is not a time of day`},
			want: `signalman.yaml:14: environments.prod.window.start: "25:00" is not a time of day`,
		},
		{
			name: "whole_file_problem",
			err:  &Error{File: "signalman.yaml", Line: 3, Msg: "mapping values are not allowed in this context"},
			want: "signalman.yaml:3: mapping values are not allowed in this context",
		},
		{
			name: "unknown_line",
			err:  &Error{File: "signalman.yaml", Msg: "something odd"},
			want: "signalman.yaml: something odd",
		},
		{
			name: "no_file",
			err:  &Error{Field: "product", Msg: "missing"},
			want: "product: missing",
		},
		{
			name: "one_problem_a_line",
			err:  Errors{{File: "f", Line: 1, Field: "a", Msg: "x"}, {File: "f", Line: 2, Field: "b", Msg: "y"}},
			want: "f:1: a: x\nf:2: b: y",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
