package ui

import (
	"html"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
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
