package schemas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestTestdata judges every document under testdata/ by the service it is named after:
// <id>.valid.json must pass; <id>.invalid.json holds a document and the exact problems
// it must give, in order. Both of the project's paths must agree: the server's (the
// JSON bytes) and the browser's (the decoded document, cleaned as the form sends it).
// `make test` runs this natively and as WebAssembly. A service without testdata is
// named in the log, not failed: adding a service never turns the tests red.
func TestTestdata(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		id, kind, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		t.Run(name, func(t *testing.T) {
			s := r.Service(id)
			if s == nil {
				t.Fatalf("no service %q in schemas/ (name testdata files <service-id>.valid.json and <service-id>.invalid.json)", id)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want []Violation
			switch kind {
			case "valid":
			case "invalid":
				var f struct {
					Document json.RawMessage
					Problems []Violation
				}
				if err := json.Unmarshal(data, &f); err != nil || len(f.Document) == 0 {
					t.Fatalf("want {\"document\": …, \"problems\": [{\"pointer\": …, \"code\": …}]}: %v", err)
				}
				data, want = f.Document, f.Problems
				if len(want) == 0 {
					t.Fatal("an invalid document with no problems listed")
				}
			default:
				t.Fatalf("name the file %s.valid.json or %s.invalid.json", id, id)
			}
			has[id] = true
			server, err := s.ValidateJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			browser := s.Validate(s.Clean(doc))
			for _, path := range []struct {
				name string
				got  []Violation
			}{{"server", server}, {"browser", browser}} {
				if !sameProblems(path.got, want) {
					t.Errorf("%s path: %s, want %s", path.name, problemList(path.got), problemList(want))
				}
			}
		})
	}
	for _, s := range r.Services() {
		if !has[s.ID] {
			t.Logf("%s has no documents under testdata/", s.ID)
		}
	}
}

// sameProblems compares pointers and codes (the numbers a message needs are the
// messages' business).
func sameProblems(got, want []Violation) bool {
	return reflect.DeepEqual(problemList(got), problemList(want))
}

func problemList(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Pointer+" "+v.Code)
	}
	return out
}
