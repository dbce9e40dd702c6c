package schemas

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"regexp"
	"testing"
)

// objectKeys returns a JSON object's keys in the order they are written.
func objectKeys(raw json.RawMessage) ([]string, error) {
	members, err := objectMembers(raw)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, m := range members {
		keys = append(keys, m.key)
	}
	return keys, nil
}

func TestObjectKeys(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		keys      []string
	}{
		{"flat", `{"b":1,"a":2}`, []string{"b", "a"}},
		{"empty", ` { } `, nil},
		{"nested values are not keys", `{"a":{"x":1,"y":[{"z":2}]},"b":[1,"c",{"d":{}}],"e":"f"}`, []string{"a", "b", "e"}},
		{"punctuation inside strings", `{"a,b":"{c}","d":"[\"e\":",` + "\n" + `"f":"g\\"}`, []string{"a,b", "d", "f"}},
		{"escaped keys", `{"a\"b":1,"\u00e4iti":2,"c\\d":3}`, []string{`a"b`, "äiti", `c\d`}},
		{"whitespace", "{\n\t\"a\" : 1 ,\r\n \"b\":2\n}\n", []string{"a", "b"}},
		{"duplicates kept", `{"a":1,"a":2}`, []string{"a", "a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := objectKeys(json.RawMessage(tc.raw))
			if err != nil || !reflect.DeepEqual(keys, tc.keys) {
				t.Errorf("objectKeys(%s) = %q, %v; want %q", tc.raw, keys, err, tc.keys)
			}
		})
	}
	for _, raw := range []string{``, `[1,2]`, `"a"`, `1`} {
		if keys, err := objectKeys(json.RawMessage(raw)); err == nil {
			t.Errorf("objectKeys(%s) = %q, want an error", raw, keys)
		}
	}
	// What the scan does not take whole goes to the decoder, which says what is wrong.
	for _, raw := range []string{`{"a":1`, `{"a":1}}`, `{"a":"b}`, `{"a":1} x`, `{"a":{"b":1}`, `{"a" 1}`, `{"a":}`} {
		if members, ok := scanObject([]byte(raw)); ok {
			t.Errorf("scanObject(%s) takes %v", raw, members)
		}
		if keys, err := objectKeys(json.RawMessage(raw)); err == nil {
			t.Errorf("objectKeys(%s) = %q, want an error", raw, keys)
		}
	}
}

// TestScanAsTheDecoderReads holds the scan to encoding/json on every object and array
// of every service file: the same members and elements, and a node and a branch
// decoded shallow as the decoder decodes them whole.
func TestScanAsTheDecoderReads(t *testing.T) {
	files, _ := fs.Glob(embedded, "*.json")
	objects, arrays := 0, 0
	for _, name := range files {
		data, _ := fs.ReadFile(embedded, name)
		var walk func(raw json.RawMessage)
		walk = func(raw json.RawMessage) {
			var obj map[string]json.RawMessage
			var arr []json.RawMessage
			switch {
			case json.Unmarshal(raw, &obj) == nil && obj != nil:
				objects++
				want, _ := decodeMembers(raw)
				if got, ok := scanObject(raw); !ok || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: scanObject(%.80s) = %q, %v; the decoder reads %q", name, raw, got, ok, want)
				}
				var whole, shallow rawNode
				wholeErr := json.Unmarshal(raw, &whole)
				shallowErr := decodeShallow(raw, &shallow, map[string]*json.RawMessage{
					"properties": &shallow.Properties, "items": &shallow.Items, "allOf": nil, "if": nil,
				})
				if (wholeErr == nil) != (shallowErr == nil) || !reflect.DeepEqual(whole, shallow) {
					t.Fatalf("%s: %.80s decoded shallow as %+v, %v; whole as %+v, %v", name, raw, shallow, shallowErr, whole, wholeErr)
				}
				var wholeBr, shallowBr rawBranch
				wholeErr = json.Unmarshal(raw, &wholeBr)
				shallowErr = shallowBr.decode(raw)
				if (wholeErr == nil) != (shallowErr == nil) || !reflect.DeepEqual(wholeBr, shallowBr) {
					t.Fatalf("%s: %.80s: a branch decoded shallow as %+v, %v; whole as %+v, %v", name, raw, shallowBr, shallowErr, wholeBr, wholeErr)
				}
				for _, v := range obj {
					walk(v)
				}
			case json.Unmarshal(raw, &arr) == nil && arr != nil:
				arrays++
				if got, ok := scanArray(raw); !ok || !reflect.DeepEqual(got, arr) && len(arr) > 0 {
					t.Fatalf("%s: scanArray(%.80s) = %q, %v; the decoder reads %q", name, raw, got, ok, arr)
				}
				for _, v := range arr {
					walk(v)
				}
			}
		}
		walk(data)
	}
	if objects < 100 || arrays < 50 {
		t.Errorf("only %d objects and %d arrays in the service files", objects, arrays)
	}
}

func TestValidIDAndCode(t *testing.T) {
	idPattern := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, id := range []string{"dog-registration", "a", "a1-b2-3c", "", "-", "a-", "-a", "a--b", "Dog", "koira-ä", "a_b", "a b", "a\n"} {
		if got, want := validID(id), idPattern.MatchString(id); got != want {
			t.Errorf("validID(%q) = %v, want %v", id, got, want)
		}
	}
	codePattern := regexp.MustCompile(`^[A-Z]{3}$`)
	for _, code := range []string{"KOI", "KO", "KOIR", "koi", "KÖI", "K1I", "", "ABC\n"} {
		if got, want := validCode(code), codePattern.MatchString(code); got != want {
			t.Errorf("validCode(%q) = %v, want %v", code, got, want)
		}
	}
}

// TestParsePaces holds Parse to calling Pace as it reads a form's nodes, so that the
// client can let the browser run during a long parse; and to the same form with it.
func TestParsePaces(t *testing.T) {
	data, err := fs.ReadFile(embedded, "dog-registration.json")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Parse("dog-registration", data)
	calls := 0
	Pace = func() { calls++ }
	defer func() { Pace = nil }()
	got, problems := Parse("dog-registration", data)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if nodes := len(got.Form.Properties); calls <= nodes {
		t.Errorf("Pace called %d times on a form of %d top-level fields", calls, nodes)
	}
	if !reflect.DeepEqual(got.Form, want.Form) {
		t.Errorf("the form parsed with Pace differs")
	}
}
