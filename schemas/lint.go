package schemas

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
)

// Lint checks the service files of fsys as `make lint-schemas` does, and returns every
// problem as "file: place in it: what is wrong", in file order: what Load refuses
// (JSON, draft-07, translations, x-ui references, options' labels, remote $refs,
// unique codes, schemas and patterns that compile), examples that their own field
// refuses, and the test documents of testdata (nil when there are none) that are not
// judged as they say.
func Lint(fsys, testdata fs.FS) []string {
	services, problems, err := loadAll(fsys)
	if err != nil {
		return []string{err.Error()}
	}
	r := Catalog(nil)
	for _, s := range services {
		r.insert(s)
		for _, p := range s.badExamples() {
			problems = append(problems, s.ID+".json: "+p)
		}
	}
	// In file order, each file's problems as they were found.
	sort.SliceStable(problems, func(i, j int) bool {
		fi, _, _ := strings.Cut(problems[i], ": ")
		fj, _, _ := strings.Cut(problems[j], ": ")
		return fi < fj
	})
	if testdata != nil {
		problems = append(problems, CheckTestdata(r, testdata)...)
	}
	return problems
}

// badExamples names the examples that their own field refuses.
func (s *Service) badExamples() []string {
	var out []string
	var visit func(n *Node, ptr, path string)
	visit = func(n *Node, ptr, path string) {
		for i, ex := range n.Examples {
			doc := map[string]any{}
			cur, segs := doc, Segments(ptr)
			for _, seg := range segs[:len(segs)-1] {
				next := map[string]any{}
				cur[seg] = next
				cur = next
			}
			cur[segs[len(segs)-1]] = ex
			for _, v := range s.ValidateAt(doc, ptr) {
				if v.Pointer == ptr {
					out = append(out, fmt.Sprintf("%s/examples/%d: the field refuses its own example (%s): correct the example or the rule", path, i, v.Code))
				}
			}
		}
		for _, c := range n.Properties {
			visit(c, Pointer(ptr, c.Name), path+"/properties/"+escapePointer(c.Name))
		}
	}
	for _, c := range s.Form.Properties {
		visit(c, Pointer("", c.Name), "#/properties/"+escapePointer(c.Name))
	}
	return out
}

// CheckTestdata judges the test documents of fsys by the services of r, through the
// server's path (the JSON) and the browser's (the decoded document, cleaned as the
// form sends it): <id>.valid.json must pass; <id>.invalid.json holds {"document",
// "problems": [{"pointer", "code"}]}, the exact problems in order. It returns what is
// not as the files say.
func CheckTestdata(r *Registry, fsys fs.FS) []string {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return []string{err.Error()}
	}
	sort.Strings(files)
	var out []string
	for _, name := range files {
		id, kind, _ := strings.Cut(strings.TrimSuffix(name, ".json"), ".")
		where := "testdata/" + name + ": "
		s := r.Service(id)
		if s == nil {
			out = append(out, where+fmt.Sprintf("no service %q: name test documents <service-id>.valid.json and <service-id>.invalid.json", id))
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			out = append(out, where+err.Error())
			continue
		}
		var want []Violation
		switch kind {
		case "valid":
		case "invalid":
			var f struct {
				Document json.RawMessage
				Problems []Violation
			}
			if err := json.Unmarshal(data, &f); err != nil || len(f.Document) == 0 || len(f.Problems) == 0 {
				out = append(out, where+`write {"document": {…}, "problems": [{"pointer": "/…", "code": "…"}]}, with at least one problem`)
				continue
			}
			data, want = f.Document, f.Problems
		default:
			out = append(out, where+fmt.Sprintf("name it %s.valid.json or %s.invalid.json", id, id))
			continue
		}
		server, err := s.ValidateJSON(data)
		if err != nil {
			out = append(out, where+err.Error())
			continue
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			out = append(out, where+err.Error())
			continue
		}
		browser := s.Validate(s.Clean(doc))
		for _, p := range []struct {
			name string
			got  []Violation
		}{{"the server", server}, {"the browser", browser}} {
			if got, wanted := problemList(p.got), problemList(want); !reflect.DeepEqual(got, wanted) {
				out = append(out, where+fmt.Sprintf("%s finds %v, the file says %v", p.name, got, wanted))
			}
		}
	}
	return out
}

// problemList is violations as "pointer code" (the numbers a message needs are the
// messages' business).
func problemList(vs []Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Pointer+" "+v.Code)
	}
	return out
}
