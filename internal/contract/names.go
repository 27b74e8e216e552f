package contract

// Activity names. Workflows call activities by these names, so renaming a Go
// method never breaks a running release; the worker registers each
// implementation under its name.
const (
	TagName          = "Tag"
	ReleaseNotesName = "ReleaseNotes"
	CutTrainName     = "CutTrain"
	CherryPickName   = "CherryPick"
	TrainsName       = "Trains"
	RunTestsName     = "RunTests"
	NotifyName       = "Notify"

	BuildNumberName = "BuildNumber"
	BuildName       = "Build"
	SignName        = "Sign"

	VerifyName   = "Verify"
	MigrateName  = "Migrate"
	DeployName   = "Deploy"
	TrafficName  = "SetTraffic"
	AnalyzeName  = "AnalyzeCanary"
	SmokeName    = "Smoke"
	RollbackName = "Rollback"
	PromoteName  = "Promote"
	RetireName   = "Retire"

	RollbackTargetName = "RollbackTarget"
	FreezeCheckName    = "FreezeCheck"
	ClaimEnvName       = "ClaimEnvironment"
)
