package ui

import (
	"net/url"
	"testing"
)

func TestRoutedKnowsThePortalsPages(t *testing.T) {
	cases := []struct {
		path string
		want bool
	}{
		{"/fi/", true},
		{"/sv", true},
		{"/en/services/dog-registration", true},
		{"/en/services/no-such-service/form", true}, // the server checks the service
		{"/fi/services/dog-registration/sent", true},
		{"/sv/home", true},
		{"/en/nope", false},
		{"/fi/folder", true},
		{"/sv/folder/", true},
		{"/fi/folder/HEL-KOI-2026-000001", true},
		{"/fi/folder/HEL-KOI-2026-000001/../../session", false},
		{"/fi/folder/nope", false},
		{"/fi/folder/hel-koi-2026-000001", false},
		{"/en/backoffice", true},
		{"/en/backoffice/HEL-PYS-2026-123", true},
		{"/en/backoffice/HEL-PYS", false},
		{"/xx/", false},
		{"/", false},
		{"/fi/services/dog-registration/nope", false},
		{NotFoundPath("en"), false},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			if got := Routed(c.path); got != c.want {
				t.Errorf("Routed(%q) = %v, want %v", c.path, got, c.want)
			}
		})
	}
}

func TestRouteReadsTheCaseNumber(t *testing.T) {
	for path, want := range map[string]string{
		"/fi/folder/HEL-KOI-2026-000001":     "HEL-KOI-2026-000001",
		"/sv/backoffice/HEL-VAK-2026-12/":    "HEL-VAK-2026-12",
		"/fi/folder":                         "",
		"/fi/folder/HEL-KOI-2026-000001%2Fx": "",
		"/fi/services/dog-registration/sent": "",
	} {
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := parseRoute(u).caseNumber; got != want {
			t.Errorf("%s: case %q, want %q", path, got, want)
		}
	}
}

func TestFolderQueryKeepsSearchAndOrder(t *testing.T) {
	for _, c := range []struct{ q, order, want string }{
		{"", sortDate, "/fi/folder"},
		{"", sortName, "/fi/folder?sort=name"},
		{"HEL-KOI-2026-000001", sortDate, "/fi/folder?q=HEL-KOI-2026-000001"},
		{"a&b=c", sortName, "/fi/folder?q=a%26b%3Dc&sort=name"},
	} {
		if got := folderQuery("fi", c.q, c.order); got != c.want {
			t.Errorf("folderQuery(%q, %q) = %q, want %q", c.q, c.order, got, c.want)
		}
	}
}
