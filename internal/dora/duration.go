package dora

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads as seconds in JSON, the unit
// Prometheus and most dashboards expect.
type Duration time.Duration

// MarshalJSON writes the duration as seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).Seconds())
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*d = Duration(s * float64(time.Second))
	return nil
}

// String formats the duration the way a person reads it: days and hours
// for long ones, Go's notation for short ones.
func (d Duration) String() string {
	t := time.Duration(d)
	if t < 0 {
		return "-" + Duration(-t).String()
	}
	day := 24 * time.Hour
	switch {
	case t >= day:
		return fmt.Sprintf("%dd%dh", t/day, (t%day)/time.Hour)
	case t >= time.Hour:
		return t.Round(time.Minute).String()
	}
	return t.Round(time.Second).String()
}

// ParseWindow reads a window length: a number of days ("30d"), of hours
// ("12h") or any Go duration ("90m", "1h30m"). It must be positive.
func ParseWindow(s string) (time.Duration, error) {
	bad := fmt.Errorf("window %q: want a number of days (30d), hours (12h) or a Go duration (90m, 1h30m)", s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days > 100*365 {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("window %q: must be longer than zero", s)
	}
	return d, nil
}
