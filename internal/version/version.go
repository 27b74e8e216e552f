// Package version parses and formats Signalman's versions, train branches
// and build tags.
//
// A version is vMAJOR.TRAIN.PATCH: v1.101.0 is train 101's first release and
// v1.101.1 its first dot release. Train N lives on branch train-N, and each
// image built from a version is tagged vMAJOR.TRAIN.PATCH-build.B-SHA7.
package version

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Version is a release version vMAJOR.TRAIN.PATCH. Its zero value is v0.0.0.
type Version struct {
	Major, Train, Patch int
}

// ForTrain returns the first release of a train, vMAJOR.TRAIN.0.
func ForTrain(major, train int) Version {
	return Version{Major: major, Train: train}
}

// Parse parses a version written vMAJOR.TRAIN.PATCH, such as "v1.101.0".
// Each part is a decimal number without sign or leading zeros, at most
// 2147483647.
func Parse(s string) (Version, error) {
	rest, ok := strings.CutPrefix(s, "v")
	parts := strings.Split(rest, ".")
	if !ok || len(parts) != 3 {
		return Version{}, fmt.Errorf("version %q: want vMAJOR.TRAIN.PATCH", s)
	}
	var n [3]int
	for i, name := range [3]string{"major", "train", "patch"} {
		var err error
		if n[i], err = number(parts[i]); err != nil {
			return Version{}, fmt.Errorf("version %q: %s %w (want vMAJOR.TRAIN.PATCH)", s, name, err)
		}
	}
	return Version{Major: n[0], Train: n[1], Patch: n[2]}, nil
}

// String returns v as vMAJOR.TRAIN.PATCH.
func (v Version) String() string {
	return fmt.Sprintf("v%d.%d.%d", v.Major, v.Train, v.Patch)
}

// Next returns the dot release that follows v: the same train, patch plus one.
func (v Version) Next() Version {
	v.Patch++
	return v
}

// IsDot reports whether v is a dot release, one with a patch above zero.
func (v Version) IsDot() bool {
	return v.Patch > 0
}

// Less reports whether v comes before w.
func (v Version) Less(w Version) bool {
	return Compare(v, w) < 0
}

// Compare returns -1, 0 or +1 as a comes before, equals or comes after b,
// ordering by major, then train, then patch. It suits slices.SortFunc.
func Compare(a, b Version) int {
	return cmp.Or(
		cmp.Compare(a.Major, b.Major),
		cmp.Compare(a.Train, b.Train),
		cmp.Compare(a.Patch, b.Patch),
	)
}

// MarshalText encodes v as vMAJOR.TRAIN.PATCH, so JSON and YAML carry a
// version as the string people read.
func (v Version) MarshalText() ([]byte, error) {
	if !v.valid() {
		return nil, fmt.Errorf("version %s: parts must be 0 to %d", v, math.MaxInt32)
	}
	return []byte(v.String()), nil
}

// UnmarshalText decodes a version written vMAJOR.TRAIN.PATCH.
func (v *Version) UnmarshalText(text []byte) error {
	w, err := Parse(string(text))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// valid reports whether every part of v is one Parse accepts.
func (v Version) valid() bool {
	return inRange(v.Major) && inRange(v.Train) && inRange(v.Patch)
}

func inRange(n int) bool {
	return n >= 0 && n <= math.MaxInt32
}

// number parses a part of a version, branch or build tag: a decimal number
// without sign or leading zeros. It is capped at MaxInt32 so that a value
// fits an int everywhere and Next cannot overflow.
func number(s string) (int, error) {
	switch {
	case s == "" || strings.Trim(s, "0123456789") != "":
		return 0, fmt.Errorf("%q is not a number", s)
	case len(s) > 1 && s[0] == '0':
		return 0, fmt.Errorf("%q has a leading zero", s)
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is too large (at most %d)", s, math.MaxInt32)
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return int(n), nil
}
