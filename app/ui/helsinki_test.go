package ui

import (
	"testing"
	"time"
	_ "time/tzdata" // the reference, here only: the client does not carry it
)

const zoneLayout = "2006-01-02 15:04:05 -0700"

func TestHelsinkiAroundTheClockChanges(t *testing.T) {
	for _, c := range []struct{ at, want string }{
		// 2026: summer time from 29 March 01:00 UTC until 25 October 01:00 UTC.
		{"2026-03-29T00:59:59Z", "2026-03-29 02:59:59 +0200"},
		{"2026-03-29T01:00:00Z", "2026-03-29 04:00:00 +0300"},
		{"2026-10-25T00:59:59Z", "2026-10-25 03:59:59 +0300"},
		{"2026-10-25T01:00:00Z", "2026-10-25 03:00:00 +0200"},
		// The last Sunday on the 31st, and a Sunday that is not the last.
		{"2024-03-31T00:30:00Z", "2024-03-31 02:30:00 +0200"},
		{"2024-03-31T01:30:00Z", "2024-03-31 04:30:00 +0300"},
		{"2027-10-31T00:30:00Z", "2027-10-31 03:30:00 +0300"},
		{"2027-10-31T01:30:00Z", "2027-10-31 03:30:00 +0200"},
		{"2027-10-24T01:30:00Z", "2027-10-24 04:30:00 +0300"},
		{"2027-03-21T01:30:00Z", "2027-03-21 03:30:00 +0200"},
		// Midwinter, midsummer, and a new year that has come in Helsinki only.
		{"2026-01-15T12:00:00Z", "2026-01-15 14:00:00 +0200"},
		{"2026-06-21T21:00:00Z", "2026-06-22 00:00:00 +0300"},
		{"2025-12-31T22:30:00Z", "2026-01-01 00:30:00 +0200"},
		// A moment given in another zone is the same moment.
		{"2026-07-01T12:00:00-04:00", "2026-07-01 19:00:00 +0300"},
	} {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if got := inHelsinki(at).Format(zoneLayout); got != c.want {
			t.Errorf("inHelsinki(%s) = %s, want %s", c.at, got, c.want)
		}
	}
}

// The computed rule is the zone database's, hour by hour.
func TestHelsinkiAgreesWithTheZoneDatabase(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(time.Hour) {
		for _, m := range []time.Time{at, at.Add(-time.Second)} {
			if got, want := inHelsinki(m).Format(zoneLayout), m.In(loc).Format(zoneLayout); got != want {
				t.Fatalf("%s UTC: %s, want %s", m.UTC().Format(zoneLayout), got, want)
			}
		}
	}
}

// Case times read the same wherever the page is rendered: Local plays no part.
func TestCaseTimesAreHelsinkiTimes(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	winter := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	summer := time.Date(2026, 6, 30, 21, 30, 0, 0, time.UTC)
	for _, local := range []*time.Location{time.UTC, time.FixedZone("browser", -5*60*60)} {
		time.Local = local
		for _, c := range []struct{ got, want string }{
			{formatTime("fi", winter), "2.3.2026 12.15"},
			{formatTime("en", winter), "2/3/2026 12:15"},
			{formatTime("sv", summer), "1.7.2026 00.30"},
			{formatDate("fi", summer), "1.7.2026"},
			{formatDate("en", summer), "1/7/2026"},
			{formatTime("fi", time.Time{}), ""},
		} {
			if c.got != c.want {
				t.Errorf("Local %s: %q, want %q", local, c.got, c.want)
			}
		}
	}
}
