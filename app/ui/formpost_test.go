package ui

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/schemas/schematest"
)

// postTestService is a form of two pages: a name, a count, a date of birth and a
// declaration; then a list of children (at most 3, each with a required first name).
func postTestService(t *testing.T) *schemas.Service {
	return schematest.Service(t, "post-test", "POS", `
  "required": ["name", "agree"],
  "properties": {
    "name": {"type": "string", "title": "Nimi", "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}},
    "count": {"type": "integer", "title": "Määrä", "x-i18n": {"sv": {"title": "Antal"}, "en": {"title": "Count"}}},
    "born": {"type": "string", "format": "date", "title": "Syntymäaika", "x-i18n": {"sv": {"title": "Födelsedatum"}, "en": {"title": "Date of birth"}}},
    "agree": {"type": "boolean", "const": true, "title": "Vakuutan", "x-i18n": {"sv": {"title": "Jag försäkrar"}, "en": {"title": "I confirm"}}},
    "children": {"type": "array", "title": "Lapset", "maxItems": 3,
      "x-i18n": {"sv": {"title": "Barn"}, "en": {"title": "Children"}},
      "items": {"type": "object", "title": "Lapsi", "required": ["firstName"],
        "x-i18n": {"sv": {"title": "Barn"}, "en": {"title": "Child"}},
        "properties": {
          "firstName": {"type": "string", "title": "Etunimi", "x-i18n": {"sv": {"title": "Förnamn"}, "en": {"title": "First name"}}},
          "age": {"type": "integer", "title": "Ikä", "x-i18n": {"sv": {"title": "Ålder"}, "en": {"title": "Age"}}}
        }}}
  },
  "x-ui": {"pages": [
    {"title": {"fi": "Hakija", "sv": "Sökande", "en": "Applicant"}, "fields": ["name", "count", "born", "agree"]},
    {"title": {"fi": "Lapset", "sv": "Barn", "en": "Children"}, "fields": ["children"]}
  ]}`)
}

func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// A post takes the step the client would take, and keeps every answer.
func TestReadPost(t *testing.T) {
	s := postTestService(t)
	key := strings.Repeat("ab", 16)
	cases := []struct {
		name     string
		post     url.Values
		step     int
		focus    string
		send     bool
		doc      string // the document, as fmt prints it
		errorsAt []string
		keyKept  bool
	}{
		{"next on an empty page shows its errors", form("step", "0", "key", key, "action", "next"),
			0, "error-summary", false, "map[]", []string{"/name", "/agree"}, true},
		{"next on a valid page goes on", form("step", "0", "action", "next", "/name", "Tessa", "/count", "3", "/agree", "on"),
			1, "step-title", false, "map[agree:true count:3 name:Tessa]", nil, false},
		{"a number keeps its text when it is not one", form("step", "0", "action", "next", "/name", "Tessa", "/count", "kolme", "/agree", "true"),
			0, "error-summary", false, "map[agree:true count:kolme name:Tessa]", []string{"/count"}, false},
		{"previous needs no valid page", form("step", "1", "action", "previous", "/name", "Tessa", "/children/0/firstName", ""),
			0, "step-title", false, "map[children:[map[]] name:Tessa]", nil, false},
		{"add a child", form("step", "1", "action", "add:/children", "/name", "Tessa", "/agree", "true", "/children/0/firstName", "Aino"),
			1, "f-children-1-firstName", false, "map[agree:true children:[map[firstName:Aino] map[]] name:Tessa]", nil, false},
		{"remove a child", form("step", "1", "action", "remove:/children/0", "/children/0/firstName", "Aino", "/children/1/firstName", "Eino"),
			1, "f-children", false, "map[children:[map[firstName:Eino]]]", nil, false},
		{"a list keeps to maxItems", form("step", "1", "action", "add:/children", "/children/2/firstName", "C"),
			1, "f-children", false, "map[children:[map[] map[] map[firstName:C]]]", nil, false},
		{"the last page's Next leads to the answers", form("step", "1", "action", "next", "/name", "Tessa", "/agree", "true", "/children/0/firstName", "Aino"),
			2, "step-title", false, "map[agree:true children:[map[firstName:Aino]] name:Tessa]", nil, false},
		{"send with a missing answer on a page", form("step", "2", "action", "send", "/children/0/firstName", "Aino", "/agree", "true"),
			2, "error-summary", false, "map[agree:true children:[map[firstName:Aino]]]", []string{"/name"}, false},
		{"the summary's link leads to its page", form("step", "1", "action", "goto:/name", "/agree", "true"),
			0, "f-name", false, "map[agree:true]", []string{"/name"}, false},
		{"a Change button leads to its field's page", form("step", "2", "action", "goto:/count", "/name", "Tessa", "/agree", "true", "/children/0/firstName", "Aino"),
			0, "f-count", false, "map[agree:true children:[map[firstName:Aino]] name:Tessa]", nil, false},
		{"send a complete form", form("step", "2", "key", key, "action", "send", "/name", "Tessa", "/agree", "true", "/children/0/firstName", "Aino", "/children/0/age", "4"),
			2, "", true, "map[agree:true children:[map[age:4 firstName:Aino]] name:Tessa]", nil, true},
		{"Enter posts no action: next", form("step", "0", "/name", "Tessa", "/agree", "true"),
			1, "step-title", false, "map[agree:true name:Tessa]", nil, false},
		{"a page out of range is the answers", form("step", "99", "action", "previous"),
			1, "step-title", false, "map[]", nil, false},
		{"what the form does not have is ignored", form("step", "0", "action", "next", "/name", "Tessa", "/agree", "true",
			"/admin", "true", "/children/5000/firstName", "x", "/children/-1/firstName", "x", "/children/01/firstName", "x", "name", "x", "/name/first", "x"),
			1, "step-title", false, "map[agree:true name:Tessa]", nil, false},
		{"a removed item out of range changes nothing", form("step", "1", "action", "remove:/children/7", "/children/0/firstName", "A"),
			1, "f-children", false, "map[children:[map[firstName:A]]]", nil, false},
		{"an action for another page is not taken", form("step", "0", "action", "add:/children", "/name", "T"),
			0, "", false, "map[name:T]", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := ReadPost(s, c.post, nil)
			if st.Step != c.step || st.Focus != c.focus || st.Send != c.send {
				t.Errorf("step %d, focus %q, send %v; want %d, %q, %v", st.Step, st.Focus, st.Send, c.step, c.focus, c.send)
			}
			if got := valueText(st.Doc); got != c.doc {
				t.Errorf("document %s, want %s", got, c.doc)
			}
			var at []string
			for _, v := range st.Summary {
				at = append(at, v.Pointer)
				if _, ok := st.Shown[v.Pointer]; !ok {
					t.Errorf("%s is in the summary but not at its field", v.Pointer)
				}
			}
			if !reflect.DeepEqual(at, c.errorsAt) {
				t.Errorf("errors at %v, want %v", at, c.errorsAt)
			}
			if !sendKeyForm(st.Key) || (st.Key == key) != c.keyKept {
				t.Errorf("key %q (posted %q), kept want %v", st.Key, c.post.Get("key"), c.keyKept)
			}
		})
	}
}

// The hidden copies of the other pages' answers bring back the same document.
func TestHiddenAnswersRoundTrip(t *testing.T) {
	s := postTestService(t)
	doc := map[string]any{"name": "Tessa", "count": float64(3), "agree": false,
		"children": []any{map[string]any{"firstName": "Aino", "age": float64(4)}, map[string]any{}}}
	for step := range s.Pages {
		values := url.Values{}
		for _, kv := range hiddenAnswers(s, doc, step) {
			values.Add(kv[0], kv[1])
		}
		// The page's own answers come from its controls; here, from the other step.
		for _, kv := range hiddenAnswers(s, doc, 1-step) {
			values.Add(kv[0], kv[1])
		}
		if got, want := valueText(docFromPost(s, values)), valueText(doc); got != want {
			t.Errorf("step %d: %s, want %s", step, got, want)
		}
	}
}

// A form posted without the client applies its conditions as the client does: a field
// a condition requires is asked for, and a hidden answer does not stop the send.
func TestReadPostConditions(t *testing.T) {
	s := schematest.Service(t, "post-conditions", "POC", `
  "required": ["housing"],
  "if": {"properties": {"housing": {"const": "rent"}}, "required": ["housing"]},
  "then": {"required": ["landlord"]},
  "properties": {
    "housing": {"type": "string", "title": "Asuminen", "enum": ["own", "rent"], "x-i18n": {"sv": {"title": "Boende"}, "en": {"title": "Housing"}}},
    "landlord": {"type": "string", "title": "Vuokranantaja", "maxLength": 3, "x-i18n": {"sv": {"title": "Hyresvärd"}, "en": {"title": "Landlord"}}}
  }`)
	rent := ReadPost(s, form("step", "1", "action", "send", "/housing", "rent"), nil)
	if rent.Send || len(rent.Summary) != 1 || rent.Summary[0].Pointer != "/landlord" || rent.Summary[0].Code != "required" {
		t.Errorf("renting without a landlord: send %v, summary %v", rent.Send, rent.Summary)
	}
	// A landlord too long for the rules, posted when it is no longer asked.
	own := ReadPost(s, form("step", "1", "action", "send", "/housing", "own", "/landlord", "Vuokra Oy"), nil)
	if !own.Send || len(own.Summary) != 0 {
		t.Errorf("owning, with a hidden landlord: send %v, summary %v", own.Send, own.Summary)
	}
	if sent := s.Clean(own.Doc).(map[string]any); sent["landlord"] != nil {
		t.Errorf("the hidden landlord would be sent: %v", sent)
	}
}

// A group of checkboxes posts one value per box ticked; the answer lists them in the
// options' order, without values that are not options.
func TestReadPostCheckboxGroup(t *testing.T) {
	s := schematest.Service(t, "post-boxes", "POB", `
  "properties": {
    "sources": {"type": "array", "title": "Tulot", "uniqueItems": true, "x-i18n": {"sv": {"title": "Inkomster"}, "en": {"title": "Income"}},
      "items": {"type": "string", "title": "Tulo", "enum": ["salary", "pension", "benefit"], "x-i18n": {"sv": {"title": "Inkomst"}, "en": {"title": "Income"}}}}
  }`)
	st := ReadPost(s, form("step", "1", "action", "send", "/sources", "benefit", "/sources", "nonsense", "/sources", "salary"), nil)
	if got := fmt.Sprint(st.Doc["sources"]); got != "[salary benefit]" || !st.Send {
		t.Errorf("sources %s, send %v", got, st.Send)
	}
	if widget(s.Form.Property("sources")) != "checkboxes" {
		t.Error("a list of options is not a group of boxes")
	}
}
