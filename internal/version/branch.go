package version

import (
	"fmt"
	"strconv"
	"strings"
)

const branchPrefix = "train-"

// Branch returns the name of a train's branch, such as "train-101".
func Branch(train int) string {
	return branchPrefix + strconv.Itoa(train)
}

// ParseBranch returns the train number of a branch named train-N, such as
// "train-101".
func ParseBranch(name string) (int, error) {
	rest, ok := strings.CutPrefix(name, branchPrefix)
	if !ok {
		return 0, fmt.Errorf("branch %q: want train-N", name)
	}
	train, err := number(rest)
	if err != nil {
		return 0, fmt.Errorf("branch %q: train %w (want train-N)", name, err)
	}
	return train, nil
}
