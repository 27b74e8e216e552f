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

// String formats the duration the way a person reads it, to two units:
// "3d4h", "17h5m", "47m30s", "12s".
func (d Duration) String() string {
	t := time.Duration(d)
	if t < 0 {
		return "-" + Duration(-t).String()
	}
	const day = 24 * time.Hour
	two := func(big, small time.Duration, bigUnit, smallUnit string) string {
		t := t.Round(small)
		if rest := (t % big) / small; rest != 0 {
			return fmt.Sprintf("%d%s%d%s", t/big, bigUnit, rest, smallUnit)
		}
		return fmt.Sprintf("%d%s", t/big, bigUnit)
	}
	switch {
	case t.Round(time.Hour) >= day:
		return two(day, time.Hour, "d", "h")
	case t.Round(time.Minute) >= time.Hour:
		return two(time.Hour, time.Minute, "h", "m")
	case t.Round(time.Second) >= time.Minute:
		return two(time.Minute, time.Second, "m", "s")
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
		if days <= 0 { // before the multiplication, which a large negative count overflows
			return 0, fmt.Errorf("window %q: must be longer than zero", s)
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
