package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
)

// Registration's errors are read with their controls, and its required choice is
// required for screen readers, not only by its mark.
func TestRegistrationErrorsAreLinked(t *testing.T) {
	p := &AccountPage{route: mustRoute(t, "/fi/register"), register: true, problems: []apiv1.FieldError{
		{Pointer: "/consent", Message: "Anna suostumuksesi"},
		{Pointer: "/channel", Message: "Valitse tapa"},
	}}
	page := app.HTMLString(p)
	for _, re := range []string{
		`<input[^>]*id="pconsent"[^>]*>`,
		`<fieldset[^>]*aria-describedby="pchannel-error"`,
	} {
		if !regexp.MustCompile(re).MatchString(page) {
			t.Errorf("no %s in\n%s", re, page)
		}
	}
	consent := regexp.MustCompile(`<input[^>]*id="pconsent"[^>]*>`).FindString(page)
	if !regexp.MustCompile(`aria-describedby="pconsent-error"`).MatchString(consent) {
		t.Errorf("the consent box is not described by its error: %s", consent)
	}
	for _, radio := range regexp.MustCompile(`<input[^>]*type="radio"[^>]*>|<input[^>]*name="channel"[^>]*>`).FindAllString(page, -1) {
		if !regexp.MustCompile(`\brequired\b`).MatchString(radio) {
			t.Errorf("a channel radio is not required: %s", radio)
		}
	}
	if !regexp.MustCompile(`<section[^>]*id="error-summary"`).MatchString(page) {
		t.Error("the error summary is not a region")
	}
}

// The profile's fields and a service form's are drawn by the same kit: the same
// elements in the same order, label, error line and control, whatever the form.
func TestProfileAndFormsShareTheFieldKit(t *testing.T) {
	s := schematest.Service(t, "kit", "KIT", `
  "properties": {"email": {"type": "string", "format": "email", "title": "Sähköposti", "x-i18n": {"sv": {"title": "E-post"}, "en": {"title": "E-mail"}}}}`)
	form := &FormPage{route: route{lang: "fi", service: s.ID}, service: s, doc: map[string]any{},
		shown: map[string]schemas.Violation{"/email": {Pointer: "/email", Code: "format"}}}
	profile := &AccountPage{route: mustRoute(t, "/fi/profile"), problems: []apiv1.FieldError{{Pointer: "/email", Message: "Tarkista"}}}
	shape := func(page, id string) string {
		field := regexp.MustCompile(`(?s)<div[^>]*class="field field-invalid"[^>]*>.*?<input[^>]*id="` + id + `"[^>]*>`).FindString(page)
		var tags []string
		class := regexp.MustCompile(`class="([^"]*)"`)
		for _, m := range regexp.MustCompile(`<(\w+)([^>]*)>`).FindAllStringSubmatch(field, -1) {
			c := class.FindStringSubmatch(m[2])
			if c == nil {
				c = []string{"", ""}
			}
			tags = append(tags, m[1]+"."+c[1])
		}
		return strings.Join(tags, " ")
	}
	a, b := shape(app.HTMLString(form), "f-email"), shape(app.HTMLString(profile), "pemail")
	if a == "" || a != b {
		t.Errorf("a form's field is %q, the profile's %q", a, b)
	}
}
