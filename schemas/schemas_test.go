package schemas

import (
	"encoding/json"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lomake/lomake/locales"
)

func builtinService(t testing.TB, id string) *Service {
	t.Helper()
	r, err := Builtin()
	if err != nil {
		t.Fatalf("the service schemas do not load:\n%v", err)
	}
	s := r.Service(id)
	if s == nil {
		t.Fatalf("no service %q", id)
	}
	return s
}

// The shipped schemas load, which means every text in them exists in fi, sv and en,
// every field is on a page, and every format is known.
func TestBuiltinServicesLoad(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatalf("%v", err)
	}
	// Every file in this folder is a service: adding one adds a service, and none is lost.
	files, err := fs.Glob(embedded, "*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files: %v", err)
	}
	var want []string
	for _, f := range files {
		want = append(want, strings.TrimSuffix(f, ".json"))
	}
	var got []string
	for _, s := range r.Services() {
		got = append(got, s.ID)
		if len(s.Pages) == 0 || s.Form == nil {
			t.Errorf("%s: no pages", s.ID)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
	if n := len(builtinService(t, "dog-registration").Pages); n < 2 {
		t.Errorf("dog registration has %d pages, want at least 2", n)
	}
	if n := len(builtinService(t, "early-childhood-education").Pages); n < 3 {
		t.Errorf("early childhood education has %d pages, want several", n)
	}
}

// A browser client's registry holds the catalog's entries and no forms; it lists and
// searches as the server's does, and a form added to it takes its place.
func TestCatalog(t *testing.T) {
	full, err := Load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	if err := json.Unmarshal(must(json.Marshal(full.Entries())), &entries); err != nil {
		t.Fatal(err)
	}
	client := Catalog(entries)
	if n := len(client.Services()); n != 0 {
		t.Fatalf("the catalog has %d forms, want none", n)
	}
	ids := func(es []*Entry) (out []string) {
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if got, want := ids(client.Sorted(lang)), ids(full.Sorted(lang)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sorted %v, want %v", lang, got, want)
		}
		if got, want := ids(client.Search(lang, "koira hund dog")), ids(full.Search(lang, "koira hund dog")); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: found %v, want %v", lang, got, want)
		}
	}
	last := full.Services()[len(full.Services())-1]
	if client.Service(last.ID) != nil || client.Entry(last.ID) == nil {
		t.Fatalf("%s: want an entry and no form before Add", last.ID)
	}
	if err := client.Add(last.ID, last.Schema); err != nil {
		t.Fatal(err)
	}
	if s := client.Service(last.ID); s == nil || client.Entry(last.ID) != &s.Entry || len(client.Entries()) != len(full.Entries()) {
		t.Errorf("%s: the added form did not take the entry's place", last.ID)
	}

	// A client that started on a form has that service alone, and reads the catalog
	// later: the form keeps its entry, and the others join.
	late := Catalog(nil)
	if err := late.Add(last.ID, last.Schema); err != nil {
		t.Fatal(err)
	}
	late.AddEntries(entries)
	if s := late.Service(last.ID); s == nil || late.Entry(last.ID) != &s.Entry || len(late.Entries()) != len(full.Entries()) {
		t.Errorf("the catalog read after a form: %d entries, the form's entry kept: %v", len(late.Entries()), s != nil && late.Entry(last.ID) == &s.Entry)
	}
	if got, want := ids(late.Sorted("fi")), ids(full.Sorted("fi")); !reflect.DeepEqual(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
}

// Reload takes a changed folder in: a new service appears, a removed one goes, and a
// file broken while editing keeps its last good version serving.
func TestReload(t *testing.T) {
	good := func(code, name string) []byte {
		return []byte(strings.NewReplacer(`"code": "TST"`, `"code": "`+code+`"`, `"name": {"fi": "Testi"`, `"name": {"fi": "`+name+`"`).Replace(minimal))
	}
	dir := fstest.MapFS{"a.json": {Data: good("AAA", "Aaa")}, "b.json": {Data: good("BBB", "Bbb")}}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	delete(dir, "b.json")
	dir["a.json"] = &fstest.MapFile{Data: good("AAA", "Uusi")}
	dir["c.json"] = &fstest.MapFile{Data: good("CCC", "Ccc")}
	if problems, err := r.Reload(dir); err != nil || len(problems) > 0 {
		t.Fatalf("reload: %v %v", problems, err)
	}
	if r.Service("b") != nil || r.Service("c") == nil || r.Service("a").Name.In("fi") != "Uusi" {
		t.Fatalf("after reload: %v", ids(r))
	}
	dir["a.json"] = &fstest.MapFile{Data: []byte(`{"type": "object"`)}
	dir["d.json"] = &fstest.MapFile{Data: []byte(`{}`)}
	problems, err := r.Reload(dir)
	if err != nil || len(problems) < 2 || !strings.HasPrefix(problems[0], "a.json: ") {
		t.Fatalf("reload of broken files: %v %v", problems, err)
	}
	if s := r.Service("a"); s == nil || s.Name.In("fi") != "Uusi" || r.Service("d") != nil || r.Entry("d") != nil {
		t.Errorf("a broken file did not keep its last good version, or a new broken one was taken: %v", ids(r))
	}
}

func ids(r *Registry) (out []string) {
	for _, e := range r.Entries() {
		out = append(out, e.ID)
	}
	return out
}

// A client adds a service it was built without; it takes its place in the order, and
// the registry refuses a broken file or a second service with the same ID.
func TestAdd(t *testing.T) {
	r, err := Load(embedded)
	if err != nil {
		t.Fatal(err)
	}
	n := len(r.Services())
	if err := r.Add("a-new-service", []byte(minimal)); err != nil {
		t.Fatalf("adding a valid service: %v", err)
	}
	if s := r.Service("a-new-service"); s == nil || len(r.Services()) != n+1 || r.Services()[0] != s {
		t.Errorf("the added service is not first of %d by ID", len(r.Services()))
	}
	if err := r.Add("a-new-service", []byte(minimal)); err == nil {
		t.Error("the same ID was added twice")
	}
	if err := r.Add("broken", []byte(`{"type": "object"}`)); err == nil || r.Service("broken") != nil {
		t.Errorf("a broken file was added (%v)", err)
	}
}

// minimal is a valid one-field service; tests break it one rule at a time.
const minimal = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "title": "Testi",
  "x-i18n": {"sv": {"title": "Test"}, "en": {"title": "Test"}},
  "x-service": {
    "code": "TST", "version": 1, "keepInFolder": true, "topics": ["pets"], "targetGroups": ["residents"],
    "name": {"fi": "Testi", "sv": "Test", "en": "Test"},
    "summary": {"fi": "a", "sv": "b", "en": "c"},
    "description": {"fi": "a", "sv": "b", "en": "c"},
    "audience": {"fi": "a", "sv": "b", "en": "c"},
    "processingTime": {"fi": "a", "sv": "b", "en": "c"},
    "department": {"fi": "a", "sv": "b", "en": "c"}
  },
  "properties": {
    "name": {"type": "string", "title": "Nimi", "format": "email",
      "x-i18n": {"sv": {"title": "Namn"}, "en": {"title": "Name"}}}
  }
}`

func TestParseFindsEveryBrokenRule(t *testing.T) {
	if _, problems := Parse("test", []byte(minimal)); len(problems) > 0 {
		t.Fatalf("the minimal schema should load: %v", problems)
	}
	cases := []struct {
		name, from, to, want string
	}{
		{"missing Swedish title", `"sv": {"title": "Namn"}, `, ``, "title has no sv translation"},
		{"missing English in x-service", `"name": {"fi": "Testi", "sv": "Test", "en": "Test"}`, `"name": {"fi": "Testi", "sv": "Test"}`, "name has no en text"},
		{"empty translation", `"en": {"title": "Name"}`, `"en": {"title": " "}`, "title has no en translation"},
		{"unknown format", `"format": "email"`, `"format": "hetu"`, `unknown format "hetu"`},
		{"remote reference", `"format": "email",`, `"$ref": "https://example.com/x.json",`, "leaves the file"},
		{"field on no page", `"properties": {`, `"x-ui": {"pages": [{"title": {"fi": "a", "sv": "b", "en": "c"}, "fields": []}]}, "properties": {`, `field "name" is on 0 pages`},
		{"no title", `"title": "Nimi", `, ``, "has no title"},
		{"bad code", `"code": "TST"`, `"code": "tst1"`, "three capital letters"},
		{"unknown topic", `"topics": ["pets"]`, `"topics": ["dogs"]`, `unknown "dogs": use one of early-childhood-education`},
		{"no target group", `"targetGroups": ["residents"]`, `"targetGroups": []`, "#/x-service/targetGroups: name at least one of"},
		{"keywords missing a language", `"topics": ["pets"]`, `"topics": ["pets"], "keywords": {"fi": ["koira"], "sv": ["hund"]}`, "keywords have no en words"},
		{"feedback not https", `"topics": ["pets"]`, `"topics": ["pets"], "feedback": "javascript:alert(1)"`, "feedback must be an https:// address"},
		{"pdf channel over http", `"topics": ["pets"]`, `"topics": ["pets"], "channels": [{"type": "pdf", "url": "http://x.fi/a.pdf", "title": {"fi": "a", "sv": "b", "en": "c"}}]`, "#/x-service/channels/0: url must be an https:// address"},
		{"phone channel without hours", `"topics": ["pets"]`, `"topics": ["pets"], "channels": [{"type": "phone", "number": "09 310 1"}]`, "needs hours"},
		{"unknown channel", `"topics": ["pets"]`, `"topics": ["pets"], "channels": [{"type": "fax"}]`, "type must be pdf, phone or email"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			broken := strings.Replace(minimal, c.from, c.to, 1)
			if broken == minimal {
				t.Fatalf("the test did not change the schema")
			}
			_, problems := Parse("test", []byte(broken))
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Errorf("problems %q do not mention %q", problems, c.want)
			}
		})
	}
}

func validDaycare() map[string]any {
	return map[string]any{
		"child": map[string]any{
			"firstName": "Aino", "lastName": "Virtanen", "personalIdentityCode": "010516B903X",
			"birthDate": "2016-05-01", "streetAddress": "Mannerheimintie 1", "postalCode": "00100",
			"postOffice": "Helsinki", "nativeLanguage": "suomi",
		},
		"guardians": []any{map[string]any{
			"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
			"phone": "040 123 4567", "email": "tessa@example.fi", "employmentStatus": "working",
		}},
		"care":           map[string]any{"startDate": "2027-08-01", "careNeed": "full-day", "serviceLanguage": "fi"},
		"preferredUnits": []any{"kalasatama", "vallila"},
		"confirmation":   map[string]any{"informationCorrect": true},
	}
}

func TestValidDocumentPasses(t *testing.T) {
	s := builtinService(t, "early-childhood-education")
	if vs := s.Validate(validDaycare()); len(vs) > 0 {
		t.Fatalf("valid document refused: %+v", vs)
	}
}

// Problems point at the field with a JSON pointer (nested objects, array items, the
// missing property itself for `required`), one per field, in the order of the form.
func TestViolationsPointAtFieldsInFormOrder(t *testing.T) {
	s := builtinService(t, "early-childhood-education")
	doc := validDaycare()
	delete(doc["child"].(map[string]any), "lastName")                   // required, nested
	doc["guardians"] = append(doc["guardians"].([]any), map[string]any{ // second guardian, array item
		"firstName": "Joni", "lastName": "Kivi", "personalIdentityCode": "010469-999W",
		"phone": "12", "email": "not-an-address", "employmentStatus": "working",
	})
	doc["care"].(map[string]any)["careHoursPerWeek"] = 61.0            // maximum
	doc["preferredUnits"] = []any{"vallila", "vallila"}                // uniqueItems
	doc["confirmation"].(map[string]any)["informationCorrect"] = false // const
	doc["child"].(map[string]any)["personalIdentityCode"] = "010516B903Y"

	got := s.Validate(doc)
	want := []Violation{
		{Pointer: "/child/lastName", Code: "required"},
		{Pointer: "/child/personalIdentityCode", Code: "format"},
		{Pointer: "/guardians/1/phone", Code: "format"},
		{Pointer: "/guardians/1/email", Code: "format"},
		{Pointer: "/care/careHoursPerWeek", Code: "maximum"},
		{Pointer: "/preferredUnits", Code: "uniqueItems"},
		{Pointer: "/confirmation/informationCorrect", Code: "enum"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Pointer != want[i].Pointer || got[i].Code != want[i].Code {
			t.Errorf("violation %d = %s %s, want %s %s", i, got[i].Pointer, got[i].Code, want[i].Pointer, want[i].Code)
		}
	}
	if max := got[4].Params["max"]; max != int64(60) && max != 60.0 {
		t.Errorf("maximum params = %v, want max 60", got[4].Params)
	}
	// The same input always gives the same list (gojsonschema's own order is random).
	for i := 0; i < 20; i++ {
		if again := s.Validate(doc); !reflect.DeepEqual(again, got) {
			t.Fatalf("order changed between runs:\n%+v\n%+v", got, again)
		}
	}
}

func TestEmptyListItemIsMissingNotWrongType(t *testing.T) {
	s := builtinService(t, "early-childhood-education")
	doc := validDaycare()
	doc["preferredUnits"] = []any{nil}
	got := s.Validate(doc)
	if len(got) != 1 || got[0].Pointer != "/preferredUnits/0" || got[0].Code != "required" {
		t.Fatalf("got %+v, want one required at /preferredUnits/0", got)
	}
}

func TestValidateJSON(t *testing.T) {
	s := builtinService(t, "dog-registration")
	if _, err := s.ValidateJSON([]byte(`{"owner": `)); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("malformed JSON: err = %v, want ErrInvalidJSON", err)
	}
	vs, err := s.ValidateJSON([]byte(`[1, 2]`))
	if err != nil || len(vs) == 0 || vs[0].Pointer != "" || vs[0].Code != "type" {
		t.Errorf("an array instead of an object: %+v, %v", vs, err)
	}
}

// Messages are plain language in the user's language, built from the field's label or
// the author's own text, and never show a schema keyword.
func TestMessagesArePlainAndTranslated(t *testing.T) {
	dog := builtinService(t, "dog-registration")
	day := builtinService(t, "early-childhood-education")
	cases := []struct {
		s    *Service
		v    Violation
		lang string
		want string
	}{
		{dog, Violation{Pointer: "/dog/name", Code: "required"}, "en", "Enter dog's name"},
		{dog, Violation{Pointer: "/dog/name", Code: "required"}, "fi", "Anna koiran nimi"},
		{dog, Violation{Pointer: "/dog/name", Code: "required"}, "sv", "Ange hundens namn"},
		{dog, Violation{Pointer: "/dog/sex", Code: "required"}, "en", "Select the dog's sex"},                   // the author's own
		{dog, Violation{Pointer: "/dog/neutered", Code: "required"}, "en", "Tick the box: The dog is neutered"}, // a statement keeps its capital
		{dog, Violation{Pointer: "/owner/personalIdentityCode", Code: "format"}, "sv", "131052-308T"},
		{dog, Violation{Pointer: "/dog/microchipNumber", Code: "pattern"}, "en", "15"},
		{day, Violation{Pointer: "/care/careHoursPerWeek", Code: "maximum", Params: map[string]any{"max": 60}}, "fi", "1–60"},
		{dog, Violation{Pointer: "/additional/info", Code: "maxLength", Params: map[string]any{"max": 1000}}, "sv", "högst 1000 tecken"},
	}
	keywords := []string{"minLength", "maxLength", "pattern", "format", "required", "enum", "const", "oneOf", "{{", "<no value>"}
	for _, c := range cases {
		got := c.s.Message(c.lang, c.v)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %s in %s = %q, want it to contain %q", c.v.Pointer, c.v.Code, c.lang, got, c.want)
		}
		for _, k := range keywords {
			if strings.Contains(got, k) {
				t.Errorf("%s %s in %s = %q shows %q", c.v.Pointer, c.v.Code, c.lang, got, k)
			}
		}
	}
	if got := day.ItemLabel("en", "/guardians/1/email"); got != "Guardian 2" {
		t.Errorf("ItemLabel = %q, want Guardian 2", got)
	}
}

// Every code a schema can produce has a message in every language for every field of
// every service: no message id leaks to a user.
func TestEveryFieldHasMessagesForItsCodes(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatal(err) // a schema that does not load says so, rather than a nil registry panicking
	}
	for _, s := range r.Services() {
		var walk func(n *Node, ptr string)
		walk = func(n *Node, ptr string) {
			for _, code := range []string{"required", "type", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "uniqueItems", "enum", "additionalProperties", "something-new"} {
				for _, lang := range []string{"fi", "sv", "en"} {
					msg := s.Message(lang, Violation{Pointer: ptr, Code: code, Params: map[string]any{"min": 1, "max": 2}})
					if msg == "" || strings.HasPrefix(msg, "error.") || strings.Contains(msg, "<no value>") {
						t.Errorf("%s %s %s %s: message %q", s.ID, ptr, code, lang, msg)
					}
				}
			}
			for _, p := range n.Properties {
				walk(p, Pointer(ptr, p.Name))
			}
			if n.Items != nil {
				walk(n.Items, Pointer(ptr, 0))
			}
		}
		walk(s.Form, "")
	}
}

func TestServicesSortAlphabeticallyPerLanguage(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatal(err) // a schema that does not load says so, rather than a nil registry panicking
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		var names []string
		for _, s := range r.Sorted(lang) {
			names = append(names, s.Name.In(lang))
		}
		for i := 1; i < len(names); i++ {
			if collateKey(names[i-1]) > collateKey(names[i]) {
				t.Errorf("%s: %q before %q", lang, names[i-1], names[i])
			}
		}
	}
	if collateKey("Ö") < collateKey("Z") {
		t.Error("Ö must sort after Z")
	}
}

func TestPointerEscaping(t *testing.T) {
	if p := Pointer("", "a/b", "c~d", 3); p != "/a~1b/c~0d/3" {
		t.Errorf("Pointer = %q", p)
	}
	if s := Segments("/a~1b/c~0d/3"); !reflect.DeepEqual(s, []string{"a/b", "c~d", "3"}) {
		t.Errorf("Segments = %q", s)
	}
}

// BenchmarkValidateDaycare is the per-document validation cost on the largest form;
// `make bench` runs it natively and as WebAssembly.
func BenchmarkValidateDaycare(b *testing.B) {
	s := builtinService(b, "early-childhood-education")
	doc := validDaycare()
	data, _ := json.Marshal(doc)
	b.Run("doc", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if vs := s.Validate(doc); len(vs) > 0 {
				b.Fatal(vs)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.ValidateJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A label goes inside a sentence with its first letter lowercased, but not an
// abbreviation's or the English "I".
func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Etunimi":                 "etunimi",
		"Y-tunnus":                "Y-tunnus",
		"IBAN":                    "IBAN",
		"E-mail":                  "e-mail",
		"I confirm that it holds": "I confirm that it holds",
		"I’m the guardian":        "I’m the guardian",
		"Insurance":               "insurance",
		"":                        "",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}

// Limits in messages are written as each language writes numbers.
func TestNumber(t *testing.T) {
	cases := []struct {
		lang string
		in   any
		want string
	}{
		{"fi", int64(200000), "200\u00a0000"},
		{"sv", 2.5, "2,5"},
		{"en", int64(200000), "200,000"},
		{"en", 1234.75, "1,234.75"},
		{"fi", int64(1000), "1000"}, // four digits stay together, as Finnish writes them
		{"en", int64(-20000), "-20,000"},
		{"fi", 0.0, "0"},
	}
	for _, c := range cases {
		if got := Number(c.lang, c.in); got != c.want {
			t.Errorf("Number(%s, %v) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

// A label that is a question or a statement is not put inside a sentence made for a
// noun phrase ("Anna kuvaile asiasi"): it goes first, as it is.
func TestMessagesForSentenceLabels(t *testing.T) {
	node := func(title string, options bool) *Node {
		n := &Node{Name: "x", Type: "string", Title: Text{"fi": title, "sv": title, "en": title}}
		if options {
			n.Options = []Option{{Value: "a", Label: Text{"fi": "A"}}}
		}
		return n
	}
	cases := []struct {
		lang, title string
		options     bool
		code, want  string
	}{
		{"fi", "Etunimi", false, "required", "Anna etunimi"},
		{"fi", "Kuvaile asiasi", false, "required", "Kuvaile asiasi: vastaa tähän kohtaan"},
		{"en", "Describe your matter", false, "required", "Describe your matter: answer this question"},
		{"en", "I need an interpreter", false, "required", "I need an interpreter: answer this question"},
		{"sv", "Bor ni i hyrd bostad?", true, "required", "Bor ni i hyrd bostad? Välj ett svar"},
		{"fi", "Asutteko vuokralla?", true, "enum", "Asutteko vuokralla? Valitse jokin annetuista vaihtoehdoista"},
		{"en", "Postal code", false, "format", "Check postal code"},
	}
	for _, c := range cases {
		s := &Service{Form: &Node{Type: "object", Properties: []*Node{node(c.title, c.options)}}}
		if got := s.Message(c.lang, Violation{Pointer: "/x", Code: c.code}); got != c.want {
			t.Errorf("%s %q %s: %q, want %q", c.lang, c.title, c.code, got, c.want)
		}
	}
}

// Every topic and target group a service may name has a name in every language: the
// catalog's filters show them.
func TestVocabulariesHaveNames(t *testing.T) {
	for _, lang := range []string{"fi", "sv", "en"} {
		msgs, err := locales.Messages(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range append(prefixed("topic.", Topics), prefixed("group.", TargetGroups)...) {
			if strings.TrimSpace(msgs[id]) == "" {
				t.Errorf("%s: message %q is missing", lang, id)
			}
		}
	}
}

func prefixed(p string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p + id
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
