package ui

import (
	"regexp"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
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
