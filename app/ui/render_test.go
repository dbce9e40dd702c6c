package ui

import (
	"html"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
)

// Every service in schemas/ renders every page of its form in every language, empty
// and with its fields' problems shown, each field on the page labelled. The services
// are discovered: a new schema file is tested without a change here.
func TestEveryFormRenders(t *testing.T) {
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Services() {
		for _, lang := range locales.Languages {
			t.Run(s.ID+"/"+lang, func(t *testing.T) {
				doc, _ := defaults(s.Form).(map[string]any)
				problems := s.Validate(s.Clean(doc))
				shown := map[string]schemas.Violation{}
				for _, v := range problems {
					shown[v.Pointer] = v
				}
				// The answers to check, after the last page: every page's title.
				check := &FormPage{route: route{lang: lang, service: s.ID}, service: s, doc: doc, step: len(s.Pages), shown: shown}
				out := html.UnescapeString(app.HTMLString(check))
				if !strings.Contains(out, `id="answers"`) || !strings.Contains(out, locales.T(lang, "form.check", nil)) {
					t.Error("the answers to check are not shown after the last page")
				}
				for _, page := range s.Pages {
					if page.Title != nil && !strings.Contains(out, page.Title.In(lang)) {
						t.Errorf("the answers lack the page %q", page.Title.In(lang))
					}
				}
				for step, page := range s.Pages {
					p := &FormPage{route: route{lang: lang, service: s.ID}, service: s, doc: doc, step: step,
						shown: shown, summary: problems}
					out := html.UnescapeString(app.HTMLString(p))
					live := p.liveFields(s.Form, doc)
					for _, name := range page.Fields {
						n := live(s.Form.Property(name))
						if n == nil {
							continue // a condition hides it now
						}
						if n.Title != nil && !strings.Contains(out, n.Title.In(lang)) {
							t.Errorf("page %d does not show the label of %s: %q", step+1, name, n.Title.In(lang))
						}
					}
				}
			})
		}
	}
}

// A field's first example is its hint, in the page's language, and the control is
// described by it.
func TestExamplesAreHints(t *testing.T) {
	s := schematest.Service(t, "examples", "EXA", `
  "properties": {
    "postalCode": {"type": "string", "title": "Postinumero", "examples": ["00100", "00200"], "x-i18n": {"sv": {"title": "Postnummer"}, "en": {"title": "Postal code"}}},
    "income": {"type": "number", "title": "Tulot", "examples": [25000.5], "x-i18n": {"sv": {"title": "Inkomster"}, "en": {"title": "Income"}}}
  }`)
	for lang, want := range map[string][]string{"fi": {"Esimerkiksi: 00100", "Esimerkiksi: 25\u00a0000,5"}, "en": {"For example: 00100", "For example: 25,000.5"}} {
		p := &FormPage{route: route{lang: lang, service: s.ID}, service: s, doc: map[string]any{}, shown: map[string]schemas.Violation{}}
		out := html.UnescapeString(app.HTMLString(p))
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the page lacks %q", lang, w)
			}
		}
		if strings.Contains(out, "00200") {
			t.Errorf("%s: more than the first example shown", lang)
		}
		if !strings.Contains(out, `aria-describedby="f-postalCode-hint"`) {
			t.Errorf("%s: the postal code is not described by its example", lang)
		}
	}
}

// The answers to check follow the form's order, a group titled as its page has no
// heading of its own, an unticked box reads "no", and a read-only answer has no Change.
func TestAnswersFollowTheForm(t *testing.T) {
	s := schematest.Service(t, "answers", "ANS", `
  "properties": {
    "funding": {"type": "object", "title": "Rahoitus", "x-i18n": {"sv": {"title": "Finansiering"}, "en": {"title": "Funding"}},
      "properties": {"amount": {"type": "number", "title": "Summa", "x-i18n": {"sv": {"title": "Belopp"}, "en": {"title": "Amount"}}}}},
    "venue": {"type": "boolean", "title": "Tarvitsemme tilan", "x-i18n": {"sv": {"title": "Lokal"}, "en": {"title": "We need a venue"}}},
    "declaration": {"type": "boolean", "title": "Vakuutan", "x-i18n": {"sv": {"title": "Jag försäkrar"}, "en": {"title": "I confirm"}}},
    "city": {"type": "string", "title": "Kunta", "readOnly": true, "default": "Helsinki", "x-i18n": {"sv": {"title": "Kommun"}, "en": {"title": "Municipality"}}}
  },
  "x-ui": {"pages": [{"title": {"fi": "Rahoitus", "sv": "Finansiering", "en": "Funding"}, "fields": ["funding", "venue", "declaration", "city"]}]}`)
	doc := map[string]any{"funding": map[string]any{"amount": 1500.5}, "declaration": true, "city": "Helsinki"}
	p := &FormPage{route: route{lang: "en", service: s.ID}, service: s, doc: doc, step: 1, shown: map[string]schemas.Violation{}}
	out := html.UnescapeString(app.HTMLString(p))
	if i := strings.Index(out, `id="answers"`); i >= 0 {
		out = out[i:]
	}
	amount, venue, declaration := strings.Index(out, ">1,500.5<"), strings.Index(out, ">No<"), strings.Index(out, ">Yes<")
	if amount < 0 || venue < amount || declaration < venue {
		t.Errorf("the answers are not in the form's order (amount %d, venue %d, declaration %d)", amount, venue, declaration)
	}
	if strings.Contains(out, `answers-group`) {
		t.Error("the group titled as its page has a heading of its own")
	}
	if !strings.Contains(out, ">Helsinki<") || strings.Contains(out, `value="goto:/city"`) {
		t.Error("a read-only answer is not shown, or is offered for change")
	}
}
