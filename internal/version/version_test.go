package version

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Version
	}{
		{"first_release_of_a_train", "v1.101.0", Version{1, 101, 0}},
		{"dot_release", "v1.101.1", Version{1, 101, 1}},
		{"zero_parts", "v0.0.0", Version{}},
		{"largest_parts", "v2147483647.2147483647.2147483647", Version{2147483647, 2147483647, 2147483647}},
		{"multi_digit_with_inner_zeros", "v10.100.1000", Version{10, 100, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("Parse(%q).String() = %q", tt.in, got.String())
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the error message
	}{
		{"missing_v_prefix", "1.2.3", `version "1.2.3": want vMAJOR.TRAIN.PATCH`},
		{"two_parts", "1.2", `version "1.2": want vMAJOR.TRAIN.PATCH`},
		{"two_parts_with_v", "v1.2", `version "v1.2": want vMAJOR.TRAIN.PATCH`},
		{"four_parts", "v1.2.3.4", `version "v1.2.3.4": want vMAJOR.TRAIN.PATCH`},
		{"empty", "", `version "": want vMAJOR.TRAIN.PATCH`},
		{"just_v", "v", `version "v": want vMAJOR.TRAIN.PATCH`},
		{"capital_v", "V1.2.3", `version "V1.2.3": want vMAJOR.TRAIN.PATCH`},
		{"double_v", "vv1.2.3", `version "vv1.2.3": major "v1" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"leading_zero_train", "v1.01.0", `version "v1.01.0": train "01" has a leading zero (want vMAJOR.TRAIN.PATCH)`},
		{"leading_zero_major", "v01.1.0", `version "v01.1.0": major "01" has a leading zero (want vMAJOR.TRAIN.PATCH)`},
		{"leading_zero_patch", "v1.1.00", `version "v1.1.00": patch "00" has a leading zero (want vMAJOR.TRAIN.PATCH)`},
		{"negative_train", "v1.-1.0", `version "v1.-1.0": train "-1" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"plus_sign", "v1.+1.0", `version "v1.+1.0": train "+1" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"empty_part", "v1..0", `version "v1..0": train "" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"overflow_int32", "v1.2147483648.0", `version "v1.2147483648.0": train "2147483648" is too large (at most 2147483647) (want vMAJOR.TRAIN.PATCH)`},
		{"overflow_int64", "v1.1.99999999999999999999", `version "v1.1.99999999999999999999": patch "99999999999999999999" is too large (at most 2147483647) (want vMAJOR.TRAIN.PATCH)`},
		{"prerelease_suffix", "v1.2.3-rc1", `version "v1.2.3-rc1": patch "3-rc1" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"build_metadata_suffix", "v1.2.3+meta", `version "v1.2.3+meta": patch "3+meta" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"trailing_space", "v1.2.3 ", `version "v1.2.3 ": patch "3 " is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"leading_space", " v1.2.3", `version " v1.2.3": want vMAJOR.TRAIN.PATCH`},
		{"trailing_newline", "v1.2.3\n", `version "v1.2.3\n": patch "3\n" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"non_ascii_digit", "v1.２.3", `version "v1.２.3": train "２" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"hex_number", "v1.0x1.3", `version "v1.0x1.3": train "0x1" is not a number (want vMAJOR.TRAIN.PATCH)`},
		{"underscore_digits", "v1.1_0.3", `version "v1.1_0.3": train "1_0" is not a number (want vMAJOR.TRAIN.PATCH)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, v)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
		})
	}
}

func TestForTrain(t *testing.T) {
	if got, want := ForTrain(1, 101), (Version{1, 101, 0}); got != want {
		t.Errorf("ForTrain(1, 101) = %v, want %v", got, want)
	}
	if got := ForTrain(1, 101).String(); got != "v1.101.0" {
		t.Errorf("ForTrain(1, 101).String() = %q, want v1.101.0", got)
	}
}

func TestNextAndIsDot(t *testing.T) {
	tests := []struct {
		name  string
		v     Version
		next  Version
		isDot bool
	}{
		{"train_release_is_not_a_dot", Version{1, 101, 0}, Version{1, 101, 1}, false},
		{"first_dot_release", Version{1, 101, 1}, Version{1, 101, 2}, true},
		{"next_keeps_major_and_train", Version{3, 7, 41}, Version{3, 7, 42}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Next(); got != tt.next {
				t.Errorf("%v.Next() = %v, want %v", tt.v, got, tt.next)
			}
			if got := tt.v.IsDot(); got != tt.isDot {
				t.Errorf("%v.IsDot() = %v, want %v", tt.v, got, tt.isDot)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		a, b Version
		want int
	}{
		{"equal", Version{1, 101, 2}, Version{1, 101, 2}, 0},
		{"patch_orders_within_a_train", Version{1, 101, 1}, Version{1, 101, 2}, -1},
		{"train_outranks_patch", Version{1, 100, 9}, Version{1, 101, 0}, -1},
		{"major_outranks_train", Version{2, 1, 0}, Version{1, 999, 0}, 1},
		{"numeric_not_lexical", Version{1, 99, 0}, Version{1, 100, 0}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Compare(tt.a, tt.b); got != tt.want {
				t.Errorf("Compare(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := Compare(tt.b, tt.a); got != -tt.want {
				t.Errorf("Compare(%v, %v) = %d, want %d", tt.b, tt.a, got, -tt.want)
			}
			if got := tt.a.Less(tt.b); got != (tt.want < 0) {
				t.Errorf("%v.Less(%v) = %v, want %v", tt.a, tt.b, got, tt.want < 0)
			}
		})
	}
}

func TestCompareSortsReleases(t *testing.T) {
	vs := []Version{{1, 101, 1}, {1, 99, 3}, {1, 101, 0}, {1, 100, 0}, {1, 99, 10}}
	slices.SortFunc(vs, Compare)
	want := []Version{{1, 99, 3}, {1, 99, 10}, {1, 100, 0}, {1, 101, 0}, {1, 101, 1}}
	if !slices.Equal(vs, want) {
		t.Errorf("sorted = %v, want %v", vs, want)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		v       Version
		json    string
		wantErr string
	}{
		{"encodes_as_the_version_string", Version{1, 101, 2}, `{"V":"v1.101.2"}`, ""},
		{"zero_value_encodes_as_v0_0_0", Version{}, `{"V":"v0.0.0"}`, ""},
		{"negative_part_does_not_encode", Version{1, -1, 0}, "", "version v1.-1.0: parts must be 0 to 2147483647"},
	}
	type doc struct{ V Version }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(doc{tt.v})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("json.Marshal(%+v) error = %v, want it to contain %q", tt.v, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("json.Marshal(%+v): %v", tt.v, err)
			}
			if string(b) != tt.json {
				t.Errorf("json.Marshal(%+v) = %s, want %s", tt.v, b, tt.json)
			}
			var back doc
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("json.Unmarshal(%s): %v", b, err)
			}
			if back.V != tt.v {
				t.Errorf("round trip = %+v, want %+v", back.V, tt.v)
			}
		})
	}
}

func TestUnmarshalTextRejectsBadVersions(t *testing.T) {
	var v Version
	err := json.Unmarshal([]byte(`"v1.01.0"`), &v)
	want := `version "v1.01.0": train "01" has a leading zero`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("json.Unmarshal error = %v, want it to contain %q", err, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"v1.101.0", "v1.101.1", "v0.0.0", "v2147483647.0.1", "v1.01.0", "1.2",
		"v1.2.3-rc1", "v1.-1.0", "v1.2147483648.0", "v1..0", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			if !strings.Contains(err.Error(), "version ") {
				t.Errorf("Parse(%q) error %q does not say it was parsing a version", s, err)
			}
			return
		}
		if v.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, v.String())
		}
		back, err := Parse(v.String())
		if err != nil || back != v {
			t.Errorf("Parse(%q) = %v, %v; want %v", v.String(), back, err, v)
		}
		if v.Major < 0 || v.Train < 0 || v.Patch < 0 {
			t.Errorf("Parse(%q) = %+v has a negative part", s, v)
		}
	})
}
