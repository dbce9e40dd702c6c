package schemas

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestTestdata judges every document under testdata/ by the service it is named after
// (CheckTestdata), through both of the project's paths. `make test` runs this natively
// and as WebAssembly. A service without testdata is named in the log, not failed:
// adding a service never turns the tests red.
func TestTestdata(t *testing.T) {
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CheckTestdata(r, os.DirFS("testdata")) {
		t.Error(p)
	}
	for _, s := range r.Services() {
		if _, err := os.Stat("testdata/" + s.ID + ".valid.json"); err != nil {
			t.Logf("%s has no documents under testdata/", s.ID)
		}
	}
}

// The shipped schemas pass the lint; each broken file or document fails with a message
// that names the file, the place and what to do.
func TestLint(t *testing.T) {
	if problems := Lint(os.DirFS("."), os.DirFS("testdata")); len(problems) > 0 {
		t.Fatalf("the shipped schemas: %v", problems)
	}
	withExample := strings.Replace(minimal, `"format": "email",`, `"format": "email", "examples": ["not an address"],`, 1)
	cases := []struct {
		name     string
		files    fstest.MapFS
		testdata fstest.MapFS
		want     string
	}{
		{"an example its field refuses", fstest.MapFS{"test.json": {Data: []byte(withExample)}}, nil,
			"test.json: #/properties/name/examples/0: the field refuses its own example (format)"},
		{"two services with one code", fstest.MapFS{"a.json": {Data: []byte(minimal)}, "b.json": {Data: []byte(minimal)}}, nil,
			`b.json: #/x-service: code "TST" is used by a.json too`},
		{"a missing translation", fstest.MapFS{"test.json": {Data: []byte(strings.Replace(minimal, `"sv": {"title": "Namn"}, `, ``, 1))}}, nil,
			"test.json: #/properties/name: title has no sv translation"},
		{"a valid document refused", fstest.MapFS{"test.json": {Data: []byte(minimal)}}, fstest.MapFS{"test.valid.json": {Data: []byte(`{"name": "x"}`)}},
			"testdata/test.valid.json: the server finds [/name format]"},
		{"a document for no service", fstest.MapFS{"test.json": {Data: []byte(minimal)}}, fstest.MapFS{"other.valid.json": {Data: []byte(`{}`)}},
			`testdata/other.valid.json: no service "other"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			problems := Lint(c.files, c.testdata)
			if !strings.Contains(strings.Join(problems, "\n"), c.want) {
				t.Errorf("problems %q, want %q", problems, c.want)
			}
		})
	}
}
