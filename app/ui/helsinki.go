package ui

import "time"

// Case times are Helsinki times, whoever reads them and wherever the page is rendered.
// Neither side may use Local: the server's is its host's zone (UTC in a container), and
// the WebAssembly client's is a fixed offset, the browser's at start, with no summer
// time history. Nor does the client carry time/tzdata, which would make it larger, so
// Helsinki's rule is computed here.

var (
	eet  = time.FixedZone("EET", 2*60*60)  // Helsinki in winter
	eest = time.FixedZone("EEST", 3*60*60) // and in summer
)

// inHelsinki is at in Helsinki time: UTC+2, and UTC+3 from 01:00 UTC on the last Sunday
// of March until 01:00 UTC on the last Sunday of October (the EU's rule since 1996).
func inHelsinki(at time.Time) time.Time {
	at = at.UTC()
	if year := at.Year(); !at.Before(lastSunday(year, time.March)) && at.Before(lastSunday(year, time.October)) {
		return at.In(eest)
	}
	return at.In(eet)
}

// lastSunday is 01:00 UTC on the last Sunday of the month, when EU clocks change.
func lastSunday(year int, month time.Month) time.Time {
	last := time.Date(year, month+1, 0, 1, 0, 0, 0, time.UTC) // day 0: the month's last
	return last.AddDate(0, 0, -int(last.Weekday()))
}
