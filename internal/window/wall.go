package window

import "time"

// at returns the instant at which clocks in loc read k on day d.
//
// Daylight saving time makes some local times happen twice and others not
// at all, so at defines both:
//
//   - A repeated time resolves to its first occurrence. In New York 01:30 on
//     the day clocks fall back (2026-11-01) is 01:30 EDT, not 01:30 EST.
//   - A skipped time resolves to the instant it names under the offset in
//     force before the jump, which clocks show as the same distance past
//     the jump. In New York 02:30 on the day clocks spring forward
//     (2026-03-08) is 03:30 EDT.
//
// time.Date leaves both cases unspecified (today it puts the skipped 02:30 at
// 01:30 EST, an hour before the jump), so at settles them itself. It assumes
// at most one change of offset within a day of d, as in every zone in use.
func at(loc *time.Location, d Date, k Clock) time.Time {
	const day = 24 * 60 * 60
	// wall is the local reading written as seconds since the epoch, as if
	// the zone were UTC; an instant is wall minus the offset in force then.
	wall := time.Date(d.Year, d.Month, d.Day, k.hour(), k.minute(), 0, 0, time.UTC).Unix()
	before, after := offset(loc, wall-day), offset(loc, wall+day)
	early, late := wall-int64(before), wall-int64(after)
	earlyOK, lateOK := offset(loc, early) == before, offset(loc, late) == after
	u := early
	switch {
	case earlyOK && lateOK:
		u = min(early, late)
	case lateOK:
		u = late
	}
	return time.Unix(u, 0).In(loc)
}

// offset returns the offset from UTC, in seconds, in force in loc at the
// instant unix.
func offset(loc *time.Location, unix int64) int {
	_, off := time.Unix(unix, 0).In(loc).Zone()
	return off
}
