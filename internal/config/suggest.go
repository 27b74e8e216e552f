package config

import "strings"

// suggest returns the name in known that word is most likely a misspelling
// of, or "" when none is close: the same name in another case or with
// dashes for underscores ("mainBranch", "main-branch"), or one at most a
// typo away ("buidl"), or two for longer words ("instnces").
func suggest(word string, known []string) string {
	squash := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	for _, k := range known {
		if squash(k) == squash(word) {
			return k
		}
	}
	// A short word is close to too many others to allow two typos.
	best, bestDist := "", 3
	if len(word) <= 5 {
		bestDist = 2
	}
	for _, k := range known {
		if dist := distance(word, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b: the
// edits (insert, delete, replace, swap two neighbours) that turn a into b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Rows i-2, i-1 and i of the edit matrix.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
