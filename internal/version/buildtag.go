package version

import (
	"fmt"
	"math"
	"strings"
)

// shortSHA is how many hex digits of a commit a build tag keeps.
const shortSHA = 7

const buildSep = "-build."

// BuildTag returns the image tag of build number build of v made from commit
// sha: vMAJOR.TRAIN.PATCH-build.B-SHA7, such as "v1.101.2-build.7-abc1234".
// The build number starts at 1; sha is a commit id of at least 7 hex digits,
// of which the tag keeps the first 7, in lower case.
func BuildTag(v Version, build int, sha string) (string, error) {
	if !v.valid() {
		return "", fmt.Errorf("build tag for %s: version parts must be 0 to %d", v, math.MaxInt32)
	}
	if build < 1 || build > math.MaxInt32 {
		return "", fmt.Errorf("build tag for %s: build number %d must be 1 to %d", v, build, math.MaxInt32)
	}
	if len(sha) < shortSHA || !isHex(sha) {
		return "", fmt.Errorf("build tag for %s: commit %q is not a SHA of at least %d hex digits", v, sha, shortSHA)
	}
	return fmt.Sprintf("%s%s%d-%s", v, buildSep, build, strings.ToLower(sha[:shortSHA])), nil
}

// ParseBuildTag splits a build tag made by BuildTag into its version, build
// number and 7-digit commit prefix.
func ParseBuildTag(s string) (v Version, build int, sha string, err error) {
	const want = "want vMAJOR.TRAIN.PATCH-build.B-SHA7"
	ver, rest, ok := strings.Cut(s, buildSep)
	num, sha, ok2 := strings.Cut(rest, "-")
	if !ok || !ok2 {
		return Version{}, 0, "", fmt.Errorf("build tag %q: %s", s, want)
	}
	if v, err = Parse(ver); err != nil {
		return Version{}, 0, "", fmt.Errorf("build tag %q: %w", s, err)
	}
	if build, err = number(num); err != nil {
		return Version{}, 0, "", fmt.Errorf("build tag %q: build number %w (%s)", s, err, want)
	}
	if build < 1 {
		return Version{}, 0, "", fmt.Errorf("build tag %q: build number must be at least 1", s)
	}
	if len(sha) != shortSHA || !isHex(sha) || strings.ToLower(sha) != sha {
		return Version{}, 0, "", fmt.Errorf("build tag %q: commit %q is not %d lower-case hex digits", s, sha, shortSHA)
	}
	return v, build, sha, nil
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdefABCDEF") == ""
}
