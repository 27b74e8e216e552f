package contract

// TagRequest asks for an annotated release tag on a commit, pushed to the
// product's remote.
type TagRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	// Ref is the commit or branch to tag.
	Ref     string `json:"ref"`
	Tag     string `json:"tag"`
	Message string `json:"message"`
}

// TagResult says which commit the tag points at.
type TagResult struct {
	Commit string `json:"commit"`
	// Created is false when the tag already existed at the same commit.
	Created bool `json:"created"`
}

// TestRequest runs the product's test command in a clean checkout of a tag.
type TestRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
	Tag     string `json:"tag"`
	Commit  string `json:"commit"`
	Command string `json:"command"`
	// TimeoutSeconds bounds the run.
	TimeoutSeconds int `json:"timeoutSeconds"`
}

// TestResult is the summary of a passing run.
type TestResult struct {
	Seconds float64  `json:"seconds"`
	Tail    []string `json:"tail,omitempty"`
}
