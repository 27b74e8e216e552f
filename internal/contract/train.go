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
	// Private is a private repository (a security fix): the commits are
	// on its main branch and are picked onto its train branch, which
	// starts as a copy of RepoURL's when it has none; nothing is pushed
	// to RepoURL.
	Private string `json:"private,omitempty"`
	// Branch, when set, is the branch picked onto instead of train-N (a
	// temporary stage deploy's stage/NAME): it is made from Base when the
	// remote has no such branch, and its commits need not be on the main
	// branch yet, only on the remote (a change tested before it is merged).
	Branch string `json:"branch,omitempty"`
	// Base is the branch Branch starts from when it is made (train-N).
	Base string `json:"base,omitempty"`
}

// PickResult is the train branch's head after the picks.
type PickResult struct {
	Head string `json:"head"`
	// Picked maps each requested commit to its copy on the branch.
	Picked map[string]string `json:"picked"`
	// New counts the commits this call put on the branch; 0 means every
	// change was there already.
	New int `json:"new"`
	// Touched are the paths the requested commits change, sorted; only
	// for a request that names a Branch.
	Touched []string `json:"touched,omitempty"`
}

// TrainsRequest asks which trains a product's repository has.
type TrainsRequest struct {
	Product string `json:"product"`
	RepoURL string `json:"repoURL"`
}

// UpliftName makes a security release public: its train branch and tag go
// from the private repository to the public one.
const UpliftName = "Uplift"

// UpliftRequest asks for a security release to be made public.
type UpliftRequest struct {
	Product    string `json:"product"`
	Private    string `json:"private"`
	Public     string `json:"public"`
	MainBranch string `json:"mainBranch"`
	Train      int    `json:"train"`
	Tag        string `json:"tag"`
}

// UpliftResult is the public train branch's head once the tag is public.
type UpliftResult struct {
	Head string `json:"head"`
	// Merged is set when the public branch had moved on and the private
	// one was merged into it, rather than fast-forwarded.
	Merged bool `json:"merged,omitempty"`
}
