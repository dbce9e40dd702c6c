package ui

import (
	"net/url"
	"testing"
)

// The confirmation page's links pass on only a case number it has confirmed.
func TestSentPageLinksCarryOnlyAConfirmedCase(t *testing.T) {
	cases := []struct {
		address, number, want string
	}{
		{"/fi/services/dog-registration/sent?case=HEL-FAKE-0000", "", "/fi/services/dog-registration/sent"},
		{"/fi/services/dog-registration/sent?case=HEL-KOI-2026-000001", "HEL-KOI-2026-000001", "/fi/services/dog-registration/sent?case=HEL-KOI-2026-000001"},
		{"/fi/services/dog-registration/sent?case=X&queued=k1", "", "/fi/services/dog-registration/sent?queued=k1"},
		{"/fi/services/dog-registration/sent?queued=k1", "HEL-KOI-2026-000001", "/fi/services/dog-registration/sent?queued=k1"},
	}
	for _, c := range cases {
		t.Run(c.address, func(t *testing.T) {
			u, err := url.Parse(c.address)
			if err != nil {
				t.Fatal(err)
			}
			p := &SentPage{route: parseRoute(u), number: c.number}
			if got := p.linkURL().RequestURI(); got != c.want {
				t.Errorf("links to %q, want %q", got, c.want)
			}
		})
	}
}
