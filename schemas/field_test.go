package schemas

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// conditional is a service whose fields depend on one another (a condition at the
// root, a dependency inside an object) beside fields that do not: ValidateAt must
// check the first kind with the whole document.
var conditional = strings.Replace(minimal, `"properties": {`, `"if": {"properties": {"name": {"const": "a@b.fi"}}, "required": ["name"]},
  "then": {"required": ["other"]},
  "properties": {
    "other": {"type": "string", "title": "Muu", "maxLength": 3, "x-i18n": {"sv": {"title": "Annat"}, "en": {"title": "Other"}}},
    "group": {"type": "object", "title": "Ryhmä", "x-i18n": {"sv": {"title": "Grupp"}, "en": {"title": "Group"}},
      "dependencies": {"a": ["b"]},
      "properties": {
        "a": {"type": "string", "title": "A", "x-i18n": {"sv": {"title": "A"}, "en": {"title": "A"}}},
        "b": {"type": "string", "title": "B", "minLength": 2, "x-i18n": {"sv": {"title": "B"}, "en": {"title": "B"}}}
      }},`, 1)

// ValidateAt, which checks one field alone where it can, says of every field what the
// whole document's validation says of it, for every seed document of the fuzz target
// (valid forms, samples, hostile shapes) and every field of every form.
func TestValidateAtAgreesWithValidate(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	extra, errs := Parse("conditional", []byte(conditional))
	if len(errs) > 0 {
		t.Fatalf("the conditional fixture: %v", errs)
	}
	services := append(append([]*Service(nil), r.Services()...), extra)
	seeds := fuzzSeeds(services)
	seeds = append(seeds, []byte(`{"name": "a@b.fi", "group": {"a": "x"}}`), []byte(`{"name": "a@b.fi", "other": "long", "group": {"a": "x", "b": "y"}}`))
	for _, s := range services {
		t.Run(s.ID, func(t *testing.T) {
			checked, alone := 0, 0
			for _, seed := range seeds {
				var doc any
				if CheckJSON(seed) != nil || json.Unmarshal(seed, &doc) != nil || !slices.Contains(relevant(services, doc), s) {
					continue
				}
				c, a := agreeAt(t, s, doc, string(seed))
				checked, alone = checked+c, alone+a
			}
			t.Logf("%d checks, %d of them of a field alone", checked, alone)
			if s.ID == "conditional" {
				for _, ptr := range []string{"/name", "/other", "/group/a"} {
					if s.field(Segments(ptr)) != nil {
						t.Errorf("%s was checked alone, though a condition or dependency decides about it", ptr)
					}
				}
			} else if alone == 0 && !rootDecides(s) {
				t.Error("no field was checked alone")
			}
		})
	}
}

// agreeAt checks that ValidateAt says of every field of doc what Validate says of it;
// it counts the fields checked, and those checked alone.
func agreeAt(t *testing.T, s *Service, doc any, what string) (checked, alone int) {
	t.Helper()
	whole := s.Validate(s.Clean(doc)) // ValidateAt judges what would be sent

	for _, ptr := range fieldPointers(s.Form, doc, "") {
		var want []Violation
		for _, v := range whole {
			if v.Pointer == ptr || strings.HasPrefix(v.Pointer, ptr+"/") {
				want = append(want, v)
			}
		}
		got := s.ValidateAt(doc, ptr)
		if (len(got) != 0 || len(want) != 0) && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s in %.80s:\nalone %v\nwhole %v", s.ID, ptr, what, got, want)
		}
		checked++
		if s.field(Segments(ptr)) != nil {
			alone++
		}
	}
	return checked, alone
}

// rootDecides reports whether the form's root has a keyword with which it decides about
// its fields together (a condition at the root): then every field is checked with the
// whole document, as it must be.
func rootDecides(s *Service) bool {
	for _, kw := range outside {
		if _, ok := s.decoded()[kw]; ok {
			return true
		}
	}
	return false
}

// fieldPointers are the pointers of every field of the form, the items of the
// document's lists (and one past them) included.
func fieldPointers(n *Node, doc any, ptr string) []string {
	var out []string
	if ptr != "" {
		out = append(out, ptr)
	}
	switch n.Type {
	case "object":
		m, _ := doc.(map[string]any)
		for _, p := range n.Properties {
			out = append(out, fieldPointers(p, m[p.Name], Pointer(ptr, p.Name))...)
		}
	case "array":
		list, _ := doc.([]any)
		if n.Items != nil {
			for i := 0; i <= len(list); i++ {
				var item any
				if i < len(list) {
					item = list[i]
				}
				out = append(out, fieldPointers(n.Items, item, Pointer(ptr, i))...)
			}
		}
	}
	return out
}
