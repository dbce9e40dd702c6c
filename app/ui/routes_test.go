package ui

import "testing"

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
		{"/fi/folder", false},
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
