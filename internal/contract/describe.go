package contract

// DescribeCommitsName reads the author and subject of commits, for a
// train's plan of a dot release.
const DescribeCommitsName = "DescribeCommits"

// DescribeRequest names commits of a product's repository.
type DescribeRequest struct {
	Product string   `json:"product"`
	RepoURL string   `json:"repoURL"`
	Commits []string `json:"commits"`
}

// CommitInfo is who wrote a commit and what it says.
type CommitInfo struct {
	SHA     string `json:"sha"`
	Author  string `json:"author"`
	Subject string `json:"subject"`
}
