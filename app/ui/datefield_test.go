package ui

import (
	"net/url"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func TestDateParts(t *testing.T) {
	cases := []struct {
		cur, part, text, want string
	}{
		{"", "day", "1", "--01"},
		{"--01", "month", "5", "-05-01"},
		{"-05-01", "year", "2016", "2016-05-01"},
		{"2016-05-01", "day", "31", "2016-05-31"},
		{"2016-05-01", "month", " 12. ", "2016-12-01"},
		{"2016-05-01", "year", "", "-05-01"},
		{"--01", "day", "", ""},
		{"nonsense", "day", "7", "--07"},
	}
	for _, c := range cases {
		if got := withDatePart(c.cur, c.part, c.text); got != c.want {
			t.Errorf("withDatePart(%q, %s, %q) = %q, want %q", c.cur, c.part, c.text, got, c.want)
		}
	}
	for part, want := range map[string]string{"day": "1", "month": "5", "year": "2016"} {
		if got := datePartText("2016-05-01", part); got != want {
			t.Errorf("%s of 2016-05-01 shows %q, want %q", part, got, want)
		}
	}
}

// A date is asked as day, month and year, labelled in the page's language, and the
// three come back as one date however they arrive: a post, or typing noted on the page.
func TestDateFieldIsThreeParts(t *testing.T) {
	s := postTestService(t)
	doc := docFromPost(s, url.Values{"/born|day": {"1"}, "/born|month": {"5"}, "/born|year": {"2016"}})
	if doc["born"] != "2016-05-01" {
		t.Fatalf("posted parts make %v, want 2016-05-01", doc["born"])
	}
	bad := false
	for _, v := range s.Validate(docFromPost(s, url.Values{"/born|day": {"31"}, "/born|month": {"2"}, "/born|year": {"2016"}})) {
		bad = bad || v.Pointer == "/born"
	}
	if !bad {
		t.Error("31.2.2016 is taken as a date")
	}
	html := app.HTMLString((&FormPage{route: route{lang: "sv"}, service: s, doc: doc, shown: nil}).field(s.Form.Property("born"), "/born"))
	for _, want := range []string{`id="f-born"`, `id="f-born-month"`, `id="f-born-year"`, `name="/born|day"`, ">Dag<", ">Månad<", ">År<",
		`value="1"`, `value="5"`, `value="2016"`, `inputmode="numeric"`, "<legend"} {
		if !strings.Contains(html, want) {
			t.Errorf("no %s in\n%s", want, html)
		}
	}
	if strings.Contains(html, `type="date"`) {
		t.Error("the browser's date control is used")
	}
}
