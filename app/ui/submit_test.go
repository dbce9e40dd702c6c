package ui

import "testing"

func TestCaseNumberOfAService(t *testing.T) {
	cases := []struct {
		number, code string
		want         bool
	}{
		{"HEL-KOI-2026-000123", "KOI", true},
		{"HEL-KOI-2026-1234567", "KOI", true},
		{"HEL-PYS-2026-000123", "KOI", false},
		{"HEL-FAKE-0000", "KOI", false},
		{"HEL-KOI-2026-000123/../../session", "KOI", false},
		{"../session", "KOI", false},
		{"HEL-KOI-2026-", "KOI", false},
		{"HEL--2026-000123", "", false},
		{"", "KOI", false},
	}
	for _, c := range cases {
		t.Run(c.number, func(t *testing.T) {
			if got := caseNumberOf(c.number, c.code); got != c.want {
				t.Errorf("caseNumberOf(%q, %q) = %v, want %v", c.number, c.code, got, c.want)
			}
		})
	}
}

func TestReceivedCasesAreKeptWithTheirService(t *testing.T) {
	noteCase("HEL-KOI-2026-000001", "dog-registration")
	if got := receivedCase("HEL-KOI-2026-000001"); got != "dog-registration" {
		t.Errorf("received case's service = %q", got)
	}
	if got := receivedCase("HEL-KOI-2026-000002"); got != "" {
		t.Errorf("a case never received has service %q", got)
	}
}
