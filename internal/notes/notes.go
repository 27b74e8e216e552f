// Package notes builds release notes from the commits and pull requests
// between two tags. It does no I/O: the caller gathers the history.
package notes

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/signalman/signalman/internal/git"
)

// Section names, in the order they appear.
const (
	Breaking    = "Breaking changes"
	Features    = "Features"
	Fixes       = "Fixes"
	Performance = "Performance"
	Other       = "Other changes"
)

var sectionOrder = []string{Breaking, Features, Fixes, Performance, Other}

// PullRequest is what the notes need of a pull request.
type PullRequest struct {
	Number int
	Title  string
	// Author is the author's login.
	Author string
	// URL is the pull request's web page.
	URL    string
	Labels []string
	// MergeCommit is the commit the pull request became on its base
	// branch (merge, squash or last rebased commit); empty if not merged.
	MergeCommit string
}

// Notes are the release notes of one version.
type Notes struct {
	Title string
	// Previous is the version the notes start from; empty for the first.
	Previous string
	// Compare links the diff from Previous; empty without a GitHub URL.
	Compare  string
	Sections []Section
	// Authors are the distinct authors of the items, sorted.
	Authors []string
}

// Section is one group of changes; sections without items are left out.
type Section struct {
	Name  string
	Items []Item
}

// Item is one change: a pull request, or a commit that maps to none.
type Item struct {
	Text string
	SHA  string
	// PR is the pull request's number, or 0.
	PR     int
	Author string
	// Link is the pull request's or commit's web page, or empty.
	Link string
}

var (
	conventional = regexp.MustCompile(`^([A-Za-z]+)(\(([^)]*)\))?(!)?:\s*(.+)$`)
	prSuffix     = regexp.MustCompile(`\s*\(#(\d+)\)$`)
	mergePR      = regexp.MustCompile(`^Merge pull request #(\d+) from \S+`)
)

// Build groups commits (in the order given, as git.Log returns them) into
// release notes for product at version, which follows previous.
//
// A commit maps to a pull request when it is the pull request's merge
// commit, when its subject ends in "(#N)", or when it is GitHub's
// "Merge pull request #N" commit; the pull request's title and labels
// then win over the commit's, and each pull request is listed once.
// Other merge commits carry no change of their own and are left out; the
// commits of a merged branch are listed on their own unless the caller
// passes first-parent history.
//
// The section comes from the conventional-commit type ("feat", "fix",
// "perf"; anything else is Other), overridden by a "feature" or "bug"
// label; "type!:" or a "BREAKING CHANGE:" footer puts a change first,
// under Breaking changes. Changes link to GitHub when repoURL is a
// GitHub https URL.
func Build(product, version, previous string, commits []git.Commit, prs []PullRequest, repoURL string) Notes {
	base := githubBase(repoURL)
	byNumber := make(map[int]PullRequest, len(prs))
	byMerge := make(map[string]PullRequest, len(prs))
	for _, pr := range prs {
		byNumber[pr.Number] = pr
		if pr.MergeCommit != "" {
			byMerge[pr.MergeCommit] = pr
		}
	}

	n := Notes{Title: strings.TrimSpace(product + " " + version), Previous: previous}
	if base != "" && previous != "" && version != "" {
		n.Compare = base + "/compare/" + url.PathEscape(previous) + "..." + url.PathEscape(version)
	}
	grouped := make(map[string][]Item)
	listed := make(map[int]bool)
	authors := make(map[string]bool)
	for _, c := range commits {
		pr, number, found := pullRequestOf(c, byMerge, byNumber)
		if number == 0 && strings.HasPrefix(c.Subject, "Merge ") {
			continue
		}
		if number != 0 {
			if listed[number] {
				continue
			}
			listed[number] = true
		}

		ty, text, breaking := parse(c.Subject)
		if mergePR.MatchString(c.Subject) {
			// GitHub puts the pull request's title in the merge's body.
			title, _, _ := strings.Cut(strings.TrimSpace(c.Body), "\n")
			ty, text, breaking = parse(title)
		}
		author := c.Author
		if found {
			if t, s, b := parse(pr.Title); s != "" {
				text, breaking = s, breaking || b
				if t != "" {
					ty = t
				}
			}
			if pr.Author != "" {
				author = pr.Author
			}
			switch {
			case slices.Contains(pr.Labels, "feature"):
				ty = "feat"
			case slices.Contains(pr.Labels, "bug"):
				ty = "fix"
			}
		}
		if text == "" {
			text = c.Subject
		}
		breaking = breaking || hasBreakingFooter(c.Body)

		item := Item{Text: text, SHA: c.SHA, PR: number, Author: author}
		switch {
		case number != 0 && found && pr.URL != "":
			item.Link = pr.URL
		case number != 0 && base != "":
			item.Link = base + "/pull/" + strconv.Itoa(number)
		case number == 0 && base != "":
			item.Link = base + "/commit/" + c.SHA
		}
		name := sectionOf(ty)
		if breaking {
			name = Breaking
		}
		grouped[name] = append(grouped[name], item)
		if author != "" {
			authors[author] = true
		}
	}
	for _, name := range sectionOrder {
		if items := grouped[name]; len(items) > 0 {
			n.Sections = append(n.Sections, Section{Name: name, Items: items})
		}
	}
	for a := range authors {
		n.Authors = append(n.Authors, a)
	}
	slices.Sort(n.Authors)
	return n
}

// pullRequestOf returns the pull request c maps to: whether it is known
// (found), and its number, which a subject can give without the pull
// request being known.
func pullRequestOf(c git.Commit, byMerge map[string]PullRequest, byNumber map[int]PullRequest) (pr PullRequest, number int, found bool) {
	if pr, ok := byMerge[c.SHA]; ok {
		return pr, pr.Number, true
	}
	m := mergePR.FindStringSubmatch(c.Subject)
	if m == nil {
		m = prSuffix.FindStringSubmatch(c.Subject)
	}
	if m == nil {
		return PullRequest{}, 0, false
	}
	number, err := strconv.Atoi(m[1])
	if err != nil || number <= 0 {
		return PullRequest{}, 0, false
	}
	pr, found = byNumber[number]
	return pr, number, found
}

// parse splits a conventional-commit subject into its type (lower case,
// empty if s is not conventional), its description with any "(#N)" suffix
// removed, prefixed "scope: " when scoped, and whether it is marked "!".
func parse(s string) (ty, text string, breaking bool) {
	s = strings.TrimSpace(prSuffix.ReplaceAllString(strings.TrimSpace(s), ""))
	m := conventional.FindStringSubmatch(s)
	if m == nil {
		return "", s, false
	}
	text = m[5]
	if scope := strings.TrimSpace(m[3]); scope != "" {
		text = scope + ": " + text
	}
	return strings.ToLower(m[1]), text, m[4] == "!"
}

// hasBreakingFooter reports whether body has a conventional-commit
// "BREAKING CHANGE:" (or "BREAKING-CHANGE:") footer.
func hasBreakingFooter(body string) bool {
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "BREAKING CHANGE:") || strings.HasPrefix(line, "BREAKING-CHANGE:") {
			return true
		}
	}
	return false
}

func sectionOf(ty string) string {
	switch ty {
	case "feat", "feature":
		return Features
	case "fix":
		return Fixes
	case "perf":
		return Performance
	default:
		return Other
	}
}

// githubBase returns repoURL as "https://github.com/owner/name", or ""
// if it is not a GitHub https URL of a repository.
func githubBase(repoURL string) string {
	u, err := url.Parse(strings.TrimSpace(repoURL))
	if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Host, "github.com") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	parts := strings.Split(strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return "https://github.com/" + parts[0] + "/" + parts[1]
}

// Markdown renders the notes; the same notes always render the same text.
func (n Notes) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", n.Title)
	switch {
	case n.Compare != "":
		fmt.Fprintf(&b, "\nChanges since %s ([compare](%s)).\n", n.Previous, n.Compare)
	case n.Previous != "":
		fmt.Fprintf(&b, "\nChanges since %s.\n", n.Previous)
	}
	if len(n.Sections) == 0 {
		b.WriteString("\nNo changes.\n")
	}
	for _, s := range n.Sections {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Name)
		for _, it := range s.Items {
			fmt.Fprintf(&b, "- %s (%s)", it.Text, it.ref())
			if it.Author != "" {
				fmt.Fprintf(&b, " by %s", it.Author)
			}
			b.WriteString("\n")
		}
	}
	if len(n.Authors) > 0 {
		fmt.Fprintf(&b, "\n## Contributors\n\n%s\n", strings.Join(n.Authors, ", "))
	}
	return b.String()
}

// ref is the item's pull request number or short commit hash, linked when
// there is a link.
func (it Item) ref() string {
	ref := it.SHA
	if len(ref) > 7 {
		ref = ref[:7]
	}
	if it.PR != 0 {
		ref = "#" + strconv.Itoa(it.PR)
	}
	if it.Link == "" {
		return ref
	}
	return "[" + ref + "](" + it.Link + ")"
}
