package draft

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lomake/lomake/schemas"
)

func doc(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

func TestMergeKeepsBothDevicesWork(t *testing.T) {
	base := doc(`{"owner": {"firstName": "Tessa"}, "dog": {"name": "Musti"}}`)
	phone := doc(`{"owner": {"firstName": "Tessa", "email": "tessa@example.fi"}, "dog": {"name": "Musti"}}`)
	laptop := doc(`{"owner": {"firstName": "Tessa"}, "dog": {"name": "Musti", "breed": "Pystykorva"}}`)
	merged, conflicts := Merge(base, laptop, phone)
	want := doc(`{"owner": {"firstName": "Tessa", "email": "tessa@example.fi"}, "dog": {"name": "Musti", "breed": "Pystykorva"}}`)
	if len(conflicts) != 0 || !reflect.DeepEqual(merged, want) {
		t.Errorf("merged %v, conflicts %v", merged, conflicts)
	}
}

func TestMergeAsksWhereEditsCollide(t *testing.T) {
	base := doc(`{"dog": {"name": "Musti", "colour": "musta"}}`)
	phone := doc(`{"dog": {"name": "Rekku", "colour": "musta"}}`)
	laptop := doc(`{"dog": {"name": "Mustikka", "colour": "valkoinen"}}`)
	merged, conflicts := Merge(base, laptop, phone)
	if len(conflicts) != 1 || conflicts[0].Pointer != "/dog/name" || conflicts[0].Local != "Mustikka" || conflicts[0].Remote != "Rekku" {
		t.Fatalf("conflicts %v", conflicts)
	}
	// Until the user chooses, this device's text stays; the other's non-colliding edit is in.
	if merged["dog"].(map[string]any)["name"] != "Mustikka" || merged["dog"].(map[string]any)["colour"] != "valkoinen" {
		t.Errorf("merged %v", merged)
	}
	// A field one device removed and the other left alone is removed.
	merged, conflicts = Merge(doc(`{"a": "x", "b": "y"}`), doc(`{"a": "x"}`), doc(`{"a": "x", "b": "y"}`))
	if len(conflicts) != 0 || !reflect.DeepEqual(merged, doc(`{"a": "x"}`)) {
		t.Errorf("removal: %v %v", merged, conflicts)
	}
	// Lists are one field.
	_, conflicts = Merge(doc(`{"g": [1]}`), doc(`{"g": [1, 2]}`), doc(`{"g": []}`))
	if len(conflicts) != 1 || conflicts[0].Pointer != "/g" {
		t.Errorf("lists: %v", conflicts)
	}
}

func TestMigrateKeepsWhatFitsAndTellsTheRest(t *testing.T) {
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	old := doc(`{"owner": {"firstName": "Tessa", "fax": "09 123"}, "dog": {"name": "Musti", "neutered": "yes", "tattoo": "ABC"}}`)
	kept, dropped := Migrate(r.Service("dog-registration"), old)
	want := doc(`{"owner": {"firstName": "Tessa"}, "dog": {"name": "Musti"}}`)
	if !reflect.DeepEqual(kept, want) {
		t.Errorf("kept %v", kept)
	}
	if !reflect.DeepEqual(dropped, []string{"/dog/neutered", "/dog/tattoo", "/owner/fax"}) {
		t.Errorf("dropped %v", dropped)
	}
}
