package contract

// CandidateCheckName is the activity that says whether a daily candidate
// has anything to release.
const CandidateCheckName = "CandidateCheck"

// CandidateCheckRequest asks what main holds since the last train.
type CandidateCheckRequest struct {
	Product    string `json:"product"`
	RepoURL    string `json:"repoURL"`
	MainBranch string `json:"mainBranch"`
	// TimeZone is the IANA zone release managers are preferred from.
	TimeZone string `json:"timeZone,omitempty"`
}

// CandidateCheck is what main holds since the last train was cut.
type CandidateCheck struct {
	// Head is the main branch's head commit.
	Head string `json:"head"`
	// LastTrain is the highest train with a branch (0: none yet).
	LastTrain int `json:"lastTrain"`
	// NextTrain is the number a new train takes.
	NextTrain int `json:"nextTrain"`
	// NewCommits counts the commits on main that the last train's branch
	// does not have.
	NewCommits int `json:"newCommits"`
	// Committers are the authors of those commits, in order of their
	// first commit.
	Committers []Committer `json:"committers,omitempty"`
}

// Committer is one author of a candidate's commits.
type Committer struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Commits int    `json:"commits"`
	// InZone says the author's commits were written in the preferred time
	// zone (their UTC offset was the zone's at the time).
	InZone bool `json:"inZone"`
}
