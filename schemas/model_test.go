package schemas

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"testing"
)

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
	// What scanKeys does not take whole goes to the decoder, as before.
	for _, raw := range []string{`{"a":1`, `{"a":1}}`, `{"a":"b}`, `{"a":1} x`, `{"a":{"b":1}`} {
		got, err := objectKeys(json.RawMessage(raw))
		want, wantErr := decodeKeys(json.RawMessage(raw))
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("objectKeys(%s) = %q, %v; the decoder reads %q, %v", raw, got, err, want, wantErr)
		}
	}
	// Every object in every service file, as the decoder reads it.
	files, _ := fs.Glob(embedded, "*.json")
	objects := 0
	for _, name := range files {
		data, _ := fs.ReadFile(embedded, name)
		var walk func(raw json.RawMessage)
		walk = func(raw json.RawMessage) {
			var obj map[string]json.RawMessage
			var arr []json.RawMessage
			switch {
			case json.Unmarshal(raw, &obj) == nil:
				objects++
				want, _ := decodeKeys(raw)
				if got, ok := scanKeys(raw); !ok || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: scanKeys = %q, %v; the decoder reads %q", name, got, ok, want)
				}
				for _, v := range obj {
					walk(v)
				}
			case json.Unmarshal(raw, &arr) == nil:
				for _, v := range arr {
					walk(v)
				}
			}
		}
		walk(data)
	}
	if objects < 100 {
		t.Errorf("only %d objects in the service files", objects)
	}
}
