package schemas

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// housing is a form with every kind of condition: if/then/else at the root, an allOf
// of conditions bringing in a field declared only there, dependencies of both forms,
// a nested if, a condition inside list items, and an optional object.
var housing = strings.Replace(minimal, `"properties": {
    "name": {"type": "string", "title": "Nimi", "format": "email",
      "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}}
  }`, `"required": ["housing"],
  "if": {"properties": {"housing": {"const": "rent"}}, "required": ["housing"]},
  "then": {"required": ["landlord"],
    "if": {"properties": {"landlordKind": {"const": "company"}}, "required": ["landlordKind"]},
    "then": {"required": ["landlordBusinessId"]}},
  "else": {"required": ["ownerSince"]},
  "allOf": [
    {"if": {"properties": {"applicant": {"const": "company"}}, "required": ["applicant"]},
     "then": {"required": ["businessId"],
       "properties": {"businessId": {"type": "string", "title": "Y-tunnus", "pattern": "^[0-9]{7}-[0-9]$",
         "x-i18n": {"sv": {"title": "FO-nummer"}, "en": {"title": "Business ID"}}}}}}
  ],
  "dependencies": {"phone": ["phoneTime", "phoneLanguage"]},
  "properties": {
    "housing": {"type": "string", "title": "Asuminen", "enum": ["own", "rent"], "x-i18n": {"sv": {"title": "Boende"}, "en": {"title": "Housing"}}},
    "ownerSince": {"type": "integer", "title": "Omistettu vuodesta", "x-i18n": {"sv": {"title": "Ägd sedan"}, "en": {"title": "Owned since"}}},
    "landlord": {"type": "string", "title": "Vuokranantaja", "x-i18n": {"sv": {"title": "Hyresvärd"}, "en": {"title": "Landlord"}}},
    "landlordKind": {"type": "string", "title": "Vuokranantajan laji", "enum": ["person", "company"], "x-i18n": {"sv": {"title": "Typ"}, "en": {"title": "Kind"}}},
    "landlordBusinessId": {"type": "string", "title": "Vuokranantajan Y-tunnus", "x-i18n": {"sv": {"title": "FO"}, "en": {"title": "Landlord's ID"}}},
    "applicant": {"type": "string", "title": "Hakija", "enum": ["person", "company"], "x-i18n": {"sv": {"title": "Sökande"}, "en": {"title": "Applicant"}}},
    "phone": {"type": "string", "title": "Puhelin", "x-i18n": {"sv": {"title": "Telefon"}, "en": {"title": "Phone"}}},
    "phoneTime": {"type": "string", "title": "Soittoaika", "x-i18n": {"sv": {"title": "Tid"}, "en": {"title": "Time"}}},
    "phoneLanguage": {"type": "string", "title": "Kieli", "x-i18n": {"sv": {"title": "Språk"}, "en": {"title": "Language"}}},
    "children": {"type": "array", "title": "Lapset", "x-i18n": {"sv": {"title": "Barn"}, "en": {"title": "Children"}},
      "items": {"type": "object", "title": "Lapsi", "x-i18n": {"sv": {"title": "Barn"}, "en": {"title": "Child"}},
        "required": ["name"],
        "dependencies": {"support": {"required": ["supportNeed"]}},
        "properties": {
          "name": {"type": "string", "title": "Nimi", "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}},
          "support": {"type": "boolean", "title": "Tuen tarve", "x-i18n": {"sv": {"title": "Stöd"}, "en": {"title": "Support"}}},
          "supportNeed": {"type": "string", "title": "Kuvaus", "x-i18n": {"sv": {"title": "Beskrivning"}, "en": {"title": "Description"}}}
        }}},
    "coApplicant": {"type": "object", "title": "Kanssahakija", "x-i18n": {"sv": {"title": "Medsökande"}, "en": {"title": "Co-applicant"}},
      "required": ["name", "phone"],
      "properties": {
        "name": {"type": "string", "title": "Nimi", "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}},
        "phone": {"type": "string", "title": "Puhelin", "x-i18n": {"sv": {"title": "Telefon"}, "en": {"title": "Phone"}}},
        "informed": {"type": "boolean", "title": "Tietää", "x-i18n": {"sv": {"title": "Vet"}, "en": {"title": "Knows"}}}
      }}
  }`, 1)

func housingService(t *testing.T) *Service {
	t.Helper()
	s, problems := Parse("housing", []byte(housing))
	if len(problems) > 0 {
		t.Fatalf("the housing fixture: %v", problems)
	}
	return s
}

func decode(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A field a condition names is shown, and carries the required mark, only while the
// condition applies; the others are always there.
func TestConditionsShowFields(t *testing.T) {
	s := housingService(t)
	var conditional []string
	for _, p := range s.Form.Properties {
		if p.Conditional {
			conditional = append(conditional, p.Name)
		}
	}
	want := []string{"ownerSince", "landlord", "landlordBusinessId", "phoneTime", "phoneLanguage", "businessId"}
	if !sameSet(conditional, want) {
		t.Errorf("conditional fields %v, want %v", conditional, want)
	}
	if s.Form.Property("businessId") == nil {
		t.Error("a field declared only in a then is not in the form")
	}
	cases := []struct {
		name, doc string
		shown     []string
	}{
		{"nothing answered: the else of an if that fails", `{}`, []string{"ownerSince"}},
		{"renting", `{"housing": "rent"}`, []string{"landlord"}},
		{"renting from a company (a nested if)", `{"housing": "rent", "landlordKind": "company"}`, []string{"landlord", "landlordBusinessId"}},
		{"own home, a company's name does not matter", `{"housing": "own", "landlordKind": "company"}`, []string{"ownerSince"}},
		{"a company applies (allOf)", `{"housing": "own", "applicant": "company"}`, []string{"ownerSince", "businessId"}},
		{"a phone number asks for a time and language", `{"housing": "own", "phone": "040"}`, []string{"ownerSince", "phoneTime", "phoneLanguage"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			shown, required := s.Form.Applying(decode(t, c.doc))
			if !sameSet(keys(shown), c.shown) || !sameSet(keys(required), c.shown) {
				t.Errorf("shown %v, required %v; want both %v", keys(shown), keys(required), c.shown)
			}
		})
	}
	child := s.Form.Property("children").Items
	if shown, _ := child.Applying(map[string]any{"support": true}); !shown["supportNeed"] {
		t.Error("a list item's dependency did not show its field")
	}
	if shown, _ := child.Applying(map[string]any{}); shown["supportNeed"] {
		t.Error("a list item's dependency showed its field unanswered")
	}
}

// Every violation of a condition points at the field to change, never at the object
// or the form that holds the condition, each missing dependency at its own field, and
// the same input always gives the same answer.
func TestConditionPointers(t *testing.T) {
	s := housingService(t)
	cases := []struct {
		name, doc string
		want      []string // pointer code
	}{
		{"a failed then", `{"housing": "rent"}`, []string{"/landlord required"}},
		{"a failed else", `{"housing": "own"}`, []string{"/ownerSince required"}},
		{"a nested then", `{"housing": "rent", "landlord": "V", "landlordKind": "company"}`, []string{"/landlordBusinessId required"}},
		{"a then's own rule", `{"housing": "own", "ownerSince": 1990, "applicant": "company", "businessId": "x"}`, []string{"/businessId pattern"}},
		{"both dependencies, each at its field", `{"housing": "own", "ownerSince": 1990, "phone": "040"}`, []string{"/phoneTime required", "/phoneLanguage required"}},
		{"a dependency inside a list item", `{"housing": "own", "ownerSince": 1990, "children": [{"name": "A"}, {"name": "B", "support": true}]}`, []string{"/children/1/supportNeed required"}},
		{"all met", `{"housing": "rent", "landlord": "V"}`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := ""
			for run := 0; run < 20; run++ { // map order must not show
				var got []string
				for _, v := range s.Validate(decode(t, c.doc)) {
					got = append(got, v.Pointer+" "+v.Code)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Fatalf("run %d: %v, want %v", run, got, c.want)
				}
				if run == 0 {
					first = strings.Join(got, ",")
				} else if strings.Join(got, ",") != first {
					t.Fatalf("run %d differs: %v", run, got)
				}
			}
		})
	}
}

// What is sent leaves out the answers of hidden fields and the optional objects the
// user has not filled in; the draft keeps everything.
func TestClean(t *testing.T) {
	s := housingService(t)
	cases := []struct{ name, doc, want string }{
		{"a hidden answer goes", `{"housing": "own", "ownerSince": 1990, "landlord": "V"}`, `{"housing": "own", "ownerSince": 1990}`},
		{"a shown one stays", `{"housing": "rent", "ownerSince": 1990, "landlord": "V"}`, `{"housing": "rent", "landlord": "V"}`},
		{"an untouched optional object goes", `{"housing": "rent", "landlord": "V", "coApplicant": {"informed": false}}`, `{"housing": "rent", "landlord": "V"}`},
		{"a filled in one stays", `{"housing": "rent", "landlord": "V", "coApplicant": {"name": "K"}}`, `{"housing": "rent", "landlord": "V", "coApplicant": {"name": "K"}}`},
		{"inside list items too", `{"housing": "rent", "landlord": "V", "children": [{"name": "A", "supportNeed": "x"}]}`, `{"housing": "rent", "landlord": "V", "children": [{"name": "A"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := decode(t, c.doc)
			got, _ := json.Marshal(s.Clean(doc))
			want, _ := json.Marshal(decode(t, c.want))
			if string(got) != string(want) {
				t.Errorf("Clean = %s, want %s", got, want)
			}
			if again, _ := json.Marshal(doc); string(again) != string(mustJSON(t, c.doc)) {
				t.Errorf("Clean changed the draft: %s", again)
			}
		})
	}
	// An optional object filled in halfway is demanded whole; left alone, not at all.
	if vs := s.Validate(s.Clean(decode(t, `{"housing": "rent", "landlord": "V", "coApplicant": {"name": "K"}}`))); len(vs) != 1 || vs[0].Pointer != "/coApplicant/phone" {
		t.Errorf("a half-filled co-applicant: %v", vs)
	}
	if vs := s.Validate(s.Clean(decode(t, `{"housing": "rent", "landlord": "V", "coApplicant": {}}`))); len(vs) != 0 {
		t.Errorf("an empty co-applicant: %v", vs)
	}
}

func mustJSON(t *testing.T, doc string) []byte {
	b, _ := json.Marshal(decode(t, doc))
	return b
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A pointer names its keys exactly, escaped per RFC 6901, whatever they hold (a NUL, a
// slash, a tilde).
func TestPointersOfAnyKey(t *testing.T) {
	s, problems := Parse("keys", []byte(strings.Replace(minimal, `"properties": {`, `"additionalProperties": {"type": "string"},
  "properties": {`, 1)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for key, want := range map[string]string{"a\x00b": "/a\x00b", "a/b": "/a~1b", "c~d": "/c~0d"} {
		vs := s.Validate(map[string]any{key: 1.0})
		if len(vs) != 1 || vs[0].Pointer != want {
			t.Errorf("key %q: %v, want one problem at %q", key, vs, want)
		}
	}
}

// A property name that propertyNames refuses is named by the pointer.
func TestPropertyNamesPointAtTheName(t *testing.T) {
	s, problems := Parse("names", []byte(strings.Replace(minimal, `"properties": {`, `"propertyNames": {"maxLength": 4},
  "properties": {`, 1)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	vs := s.Validate(map[string]any{"name": "a@b.fi", "toolong": "x"})
	if len(vs) != 1 || vs[0].Pointer != "/toolong" {
		t.Errorf("problems %v, want one at /toolong", vs)
	}
	if msg := s.Message("en", vs[0]); !strings.Contains(msg, "toolong") {
		t.Errorf("message %q does not name the key", msg)
	}
}
