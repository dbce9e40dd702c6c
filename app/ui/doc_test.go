package ui

import (
	"reflect"
	"testing"

	"github.com/lomake/lomake/schemas"
)

func TestSetAndGetByPointer(t *testing.T) {
	doc := map[string]any{}
	setAt(doc, schemas.Segments("/owner/email"), "a@b.fi")
	appendAt(doc, schemas.Segments("/guardians"), map[string]any{})
	appendAt(doc, schemas.Segments("/guardians"), map[string]any{})
	setAt(doc, schemas.Segments("/guardians/1/phone"), "040 1")
	if got := getAt(doc, schemas.Segments("/guardians/1/phone")); got != "040 1" {
		t.Fatalf("guardian 2 phone = %v", got)
	}
	if got := getAt(doc, schemas.Segments("/owner/email")); got != "a@b.fi" {
		t.Fatalf("email = %v", got)
	}
	// Emptying a field removes it, so that `required` sees it as missing.
	setAt(doc, schemas.Segments("/owner/email"), nil)
	if _, ok := doc["owner"].(map[string]any)["email"]; ok {
		t.Error("an emptied field is still in the document")
	}
	removeAt(doc, schemas.Segments("/guardians"), 0)
	want := []any{map[string]any{"phone": "040 1"}}
	if got := doc["guardians"]; !reflect.DeepEqual(got, want) {
		t.Errorf("after removing guardian 1: %v, want %v", got, want)
	}
	if getAt(doc, schemas.Segments("/guardians/5/phone")) != nil || getAt(doc, schemas.Segments("/owner/email/x")) != nil {
		t.Error("reading past the document should give nil, not panic")
	}
}

func TestDefaultsFollowTheSchema(t *testing.T) {
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	parking := defaults(r.Service("resident-parking-permit").Form).(map[string]any)
	if city := getAt(parking, []string{"address", "city"}); city != "Helsinki" {
		t.Errorf("read-only default city = %v", city)
	}
	daycare := defaults(r.Service("early-childhood-education").Form).(map[string]any)
	if g, _ := daycare["guardians"].([]any); len(g) != 1 {
		t.Errorf("guardians start with %d items, want minItems 1", len(g))
	}
}

func TestParseValueKeepsWhatWasTyped(t *testing.T) {
	integer := &schemas.Node{Type: "integer"}
	number := &schemas.Node{Type: "number"}
	choice := &schemas.Node{Type: "integer", Options: []schemas.Option{{Value: 6.0}, {Value: 12.0}}}
	cases := []struct {
		n    *schemas.Node
		in   string
		want any
	}{
		{integer, " 40 ", 40.0},
		{number, "2,5", 2.5},
		{number, "kaksi", "kaksi"}, // kept, to be shown with a message
		// More digits than float64 keeps: kept as typed, so that the browser does not
		// judge a rounded number the server would refuse.
		{integer, "18446744073709551600", "18446744073709551600"},
		{number, "123456789012345", 123456789012345.0},
		{integer, "   ", nil},
		{choice, "12", 12.0},
		{&schemas.Node{Type: "string"}, "  Musti ", "Musti"},
	}
	for _, c := range cases {
		if got := parseValue(c.n, c.in); got != c.want {
			t.Errorf("parseValue(%s, %q) = %#v, want %#v", c.n.Type, c.in, got, c.want)
		}
	}
}

func TestDefaultWidgets(t *testing.T) {
	opts := func(n int) []schemas.Option { return make([]schemas.Option, n) }
	cases := []struct {
		n    schemas.Node
		want string
	}{
		{schemas.Node{Type: "string"}, "text"},
		{schemas.Node{Type: "string", Format: "email"}, "email"},
		{schemas.Node{Type: "string", Format: "fi-phone"}, "tel"},
		{schemas.Node{Type: "string", Format: "date"}, "date"},
		{schemas.Node{Type: "string", MaxLength: 1000}, "textarea"},
		{schemas.Node{Type: "integer"}, "number"},
		{schemas.Node{Type: "boolean"}, "checkbox"},
		{schemas.Node{Type: "string", Options: opts(3)}, "radio"},
		{schemas.Node{Type: "string", Options: opts(8)}, "select"},
		{schemas.Node{Type: "string", Options: opts(3), Widget: "select"}, "select"},
		{schemas.Node{Type: "array", Items: &schemas.Node{Type: "string", Options: opts(3)}}, "checkboxes"},
		{schemas.Node{Type: "array", Items: &schemas.Node{Type: "string", Options: opts(3)}, Widget: "list"}, "array"},
		{schemas.Node{Type: "array", Items: &schemas.Node{Type: "object"}}, "array"},
	}
	for _, c := range cases {
		if got := widget(&c.n); got != c.want {
			t.Errorf("widget(%+v) = %s, want %s", c.n, got, c.want)
		}
	}
}
