package window

// Spec is a deploy window as written in signalman.yaml.
type Spec struct {
	// Days are the weekdays deploys may happen: "mon".."sun" (default mon to thu).
	Days []string `yaml:"days" json:"days,omitempty"`
	// Start and End are the opening hours, "HH:MM" local time (defaults 08:00 and 16:00).
	Start string `yaml:"start" json:"start,omitempty"`
	End   string `yaml:"end" json:"end,omitempty"`
	// TimeZone is an IANA zone name (default "America/New_York").
	TimeZone string `yaml:"timezone" json:"timezone,omitempty"`
	// Holidays are dates (YYYY-MM-DD, local) on which the window stays shut.
	Holidays []string `yaml:"holidays" json:"holidays,omitempty"`
	// Freezes are date ranges on which the window stays shut.
	Freezes []Freeze `yaml:"freezes" json:"freezes,omitempty"`
}

// Freeze shuts the window from From to To (inclusive dates, YYYY-MM-DD, local).
type Freeze struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
	// Reason is shown while the freeze holds: "freeze until 2026-12-31: year-end".
	Reason string `yaml:"reason" json:"reason"`
}
