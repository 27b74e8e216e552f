package contract

// CutRequest cuts a train's branch from the main branch.
type CutRequest struct {
	Product    string `json:"product"`
	RepoURL    string `json:"repoURL"`
	MainBranch string `json:"mainBranch"`
	Train      int    `json:"train"`
}

// PickRequest cherry-picks commits that are on the main branch onto a
// train's branch, one at a time, in order.
type PickRequest struct {
	Product    string   `json:"product"`
	RepoURL    string   `json:"repoURL"`
	MainBranch string   `json:"mainBranch"`
	Train      int      `json:"train"`
	Commits    []string `json:"commits"`
}

// PickResult is the train branch's head after the picks.
type PickResult struct {
	Head string `json:"head"`
	// Picked maps each requested commit to its copy on the branch.
	Picked map[string]string `json:"picked"`
	// New counts the commits this call put on the branch; 0 means every
	// change was there already.
	New int `json:"new"`
}

// TrainsRequest asks which trains a product's repository has.
type TrainsRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
}
