package schemas

import (
	"strings"
	"testing"
)

// applicantForm has an applicant filled in from identification and the profile, and a
// read-only municipality.
var applicantForm = strings.Replace(minimal, `"properties": {
    "name": {"type": "string", "title": "Nimi", "format": "email",
      "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}}
  }`, `"properties": {
    "applicant": {"type": "object", "title": "Hakija", "x-i18n": {"sv": {"title": "Sökande"}, "en": {"title": "Applicant"}},
      "properties": {
        "code": {"type": "string", "title": "Henkilötunnus", "x-prefill": "identity.personalIdentityCode", "x-i18n": {"sv": {"title": "Personbeteckning"}, "en": {"title": "Identity code"}}},
        "phone": {"type": "string", "title": "Puhelin", "x-prefill": "profile.phone", "x-i18n": {"sv": {"title": "Telefon"}, "en": {"title": "Phone"}}},
        "municipality": {"type": "string", "title": "Kunta", "readOnly": true, "default": "Helsinki", "x-i18n": {"sv": {"title": "Kommun"}, "en": {"title": "Municipality"}}}
      }}
  }`, 1)

func TestPrefillAndBound(t *testing.T) {
	s, problems := Parse("applicant", []byte(applicantForm))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	tessa := map[string]string{"identity.personalIdentityCode": "010280-952L", "profile.phone": ""}
	doc := map[string]any{"applicant": map[string]any{"code": "010469-999W"}}
	s.Prefill(doc, tessa)
	if got := doc["applicant"].(map[string]any)["code"]; got != "010280-952L" {
		t.Errorf("prefilled code %v, want the sender's own", got)
	}
	if !s.PrefillLocked("/applicant/code", tessa) || s.PrefillLocked("/applicant/phone", tessa) {
		t.Error("the code must be locked, and a phone the profile lacks left to the user")
	}
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"the sender's own", `{"applicant": {"code": "010280-952L", "phone": "040 1", "municipality": "Helsinki"}}`, nil},
		{"another person's code", `{"applicant": {"code": "010469-999W"}}`, []string{"/applicant/code prefill"}},
		{"a changed read-only answer", `{"applicant": {"municipality": "Espoo"}}`, []string{"/applicant/municipality readOnly"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, v := range s.Bound(decode(t, c.doc), tessa) {
				got = append(got, v.Pointer+" "+v.Code)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("Bound = %v, want %v", got, c.want)
			}
		})
	}
	for _, broken := range []struct{ from, to, want string }{
		{`"x-prefill": "profile.phone"`, `"x-prefill": "profile.shoeSize"`, "is not one of"},
		{`"type": "string", "title": "Puhelin"`, `"type": "integer", "title": "Puhelin"`, "needs a string field"},
	} {
		if _, problems := Parse("applicant", []byte(strings.Replace(applicantForm, broken.from, broken.to, 1))); !strings.Contains(strings.Join(problems, "\n"), broken.want) {
			t.Errorf("%s: problems %v, want %q", broken.to, problems, broken.want)
		}
	}
}
