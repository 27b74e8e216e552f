package version

import (
	"strings"
	"testing"
)

func TestBuildTag(t *testing.T) {
	tests := []struct {
		name  string
		v     Version
		build int
		sha   string
		want  string
	}{
		{"keeps_seven_digits_of_a_full_sha", Version{1, 101, 2}, 7, "abc1234def5678abc1234def5678abc1234def56", "v1.101.2-build.7-abc1234"},
		{"exactly_seven_digits", Version{1, 101, 0}, 1, "0123456", "v1.101.0-build.1-0123456"},
		{"lower_cases_the_sha", Version{1, 101, 0}, 12, "ABCDEF0123", "v1.101.0-build.12-abcdef0"},
		{"sha256_object_id", Version{2, 5, 3}, 3, strings.Repeat("f", 64), "v2.5.3-build.3-fffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildTag(tt.v, tt.build, tt.sha)
			if err != nil {
				t.Fatalf("BuildTag(%v, %d, %q): %v", tt.v, tt.build, tt.sha, err)
			}
			if got != tt.want {
				t.Errorf("BuildTag(%v, %d, %q) = %q, want %q", tt.v, tt.build, tt.sha, got, tt.want)
			}
			v, build, sha, err := ParseBuildTag(got)
			if err != nil {
				t.Fatalf("ParseBuildTag(%q): %v", got, err)
			}
			if v != tt.v || build != tt.build || sha != strings.ToLower(tt.sha[:7]) {
				t.Errorf("ParseBuildTag(%q) = %v, %d, %q", got, v, build, sha)
			}
		})
	}
}

func TestBuildTagRejects(t *testing.T) {
	tests := []struct {
		name  string
		v     Version
		build int
		sha   string
		want  string
	}{
		{"build_zero", Version{1, 101, 0}, 0, "abc1234", `build tag for v1.101.0: build number 0 must be 1 to 2147483647`},
		{"negative_build", Version{1, 101, 0}, -3, "abc1234", `build tag for v1.101.0: build number -3 must be 1 to 2147483647`},
		{"short_sha", Version{1, 101, 0}, 1, "abc123", `build tag for v1.101.0: commit "abc123" is not a SHA of at least 7 hex digits`},
		{"empty_sha", Version{1, 101, 0}, 1, "", `build tag for v1.101.0: commit "" is not a SHA of at least 7 hex digits`},
		{"non_hex_sha", Version{1, 101, 0}, 1, "abc123g", `build tag for v1.101.0: commit "abc123g" is not a SHA of at least 7 hex digits`},
		{"non_hex_after_seventh_digit", Version{1, 101, 0}, 1, "abc1234-dirty", `build tag for v1.101.0: commit "abc1234-dirty" is not a SHA of at least 7 hex digits`},
		{"negative_version_part", Version{1, -1, 0}, 1, "abc1234", `build tag for v1.-1.0: version parts must be 0 to 2147483647`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildTag(tt.v, tt.build, tt.sha)
			if err == nil {
				t.Fatalf("BuildTag(%v, %d, %q) = %q, want an error", tt.v, tt.build, tt.sha, got)
			}
			if err.Error() != tt.want {
				t.Errorf("BuildTag error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestParseBuildTagRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain_version", "v1.101.2", `build tag "v1.101.2": want vMAJOR.TRAIN.PATCH-build.B-SHA7`},
		{"no_sha", "v1.101.2-build.7", `build tag "v1.101.2-build.7": want vMAJOR.TRAIN.PATCH-build.B-SHA7`},
		{"bad_version", "v1.01.2-build.7-abc1234", `build tag "v1.01.2-build.7-abc1234": version "v1.01.2": train "01" has a leading zero (want vMAJOR.TRAIN.PATCH)`},
		{"build_zero", "v1.101.2-build.0-abc1234", `build tag "v1.101.2-build.0-abc1234": build number must be at least 1`},
		{"build_leading_zero", "v1.101.2-build.07-abc1234", `build tag "v1.101.2-build.07-abc1234": build number "07" has a leading zero (want vMAJOR.TRAIN.PATCH-build.B-SHA7)`},
		{"build_not_a_number", "v1.101.2-build.x-abc1234", `build tag "v1.101.2-build.x-abc1234": build number "x" is not a number (want vMAJOR.TRAIN.PATCH-build.B-SHA7)`},
		{"sha_too_long", "v1.101.2-build.7-abc12345", `build tag "v1.101.2-build.7-abc12345": commit "abc12345" is not 7 lower-case hex digits`},
		{"sha_too_short", "v1.101.2-build.7-abc123", `build tag "v1.101.2-build.7-abc123": commit "abc123" is not 7 lower-case hex digits`},
		{"sha_upper_case", "v1.101.2-build.7-ABC1234", `build tag "v1.101.2-build.7-ABC1234": commit "ABC1234" is not 7 lower-case hex digits`},
		{"junk_suffix", "v1.101.2-build.7-abc1234-x", `build tag "v1.101.2-build.7-abc1234-x": commit "abc1234-x" is not 7 lower-case hex digits`},
		{"empty", "", `build tag "": want vMAJOR.TRAIN.PATCH-build.B-SHA7`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, b, sha, err := ParseBuildTag(tt.in)
			if err == nil {
				t.Fatalf("ParseBuildTag(%q) = %v, %d, %q; want an error", tt.in, v, b, sha)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseBuildTag(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzParseBuildTag(f *testing.F) {
	for _, s := range []string{
		"v1.101.2-build.7-abc1234", "v0.0.0-build.1-0000000", "v1.101.2-build.0-abc1234",
		"v1.101.2-build.7-ABC1234", "v1.101.2-build.7", "v1.01.2-build.7-abc1234", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, build, sha, err := ParseBuildTag(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "build tag ") {
				t.Errorf("ParseBuildTag(%q) error %q does not say it was parsing a build tag", s, err)
			}
			return
		}
		if build < 1 || len(sha) != 7 {
			t.Errorf("ParseBuildTag(%q) = %v, %d, %q: build below 1 or sha not 7 digits", s, v, build, sha)
		}
		tag, err := BuildTag(v, build, sha)
		if err != nil {
			t.Fatalf("BuildTag(%v, %d, %q) of a parsed tag: %v", v, build, sha, err)
		}
		if tag != s {
			t.Errorf("BuildTag(ParseBuildTag(%q)) = %q", s, tag)
		}
	})
}
