package schemas

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

// ValidateAt returns the problems at ptr and inside it, as Validate would, checking
// only the answer at ptr where the schema allows: the client checks a field as its
// user leaves it, and a long form must not be validated whole on every field. Where
// something outside the field decides about it (a condition, a dependency, a rule over
// several properties on the way to it), the whole document is validated and the
// problems inside ptr are kept.
func (s *Service) ValidateAt(doc any, ptr string) []Violation {
	doc = s.Clean(doc) // what would be sent: hidden answers and untouched optional objects go
	segs := Segments(ptr)
	if f := s.field(segs); f != nil {
		if vs, ok := f.validate(s, doc, ptr, segs); ok {
			return vs
		}
	}
	var out []Violation
	for _, v := range s.Validate(doc) {
		if v.Pointer == ptr || strings.HasPrefix(v.Pointer, ptr+"/") {
			out = append(out, v)
		}
	}
	return out
}

// fieldSchema is the schema of one field on its own, compiled once per place in the
// form (the items of a list share one).
type fieldSchema struct {
	required bool // by its object; never for a list's items
	once     sync.Once
	compiled *gojsonschema.Schema
	data     []byte
}

// validate checks the answer at ptr alone; ok is false when it could not.
func (f *fieldSchema) validate(s *Service, doc any, ptr string, segs []string) ([]Violation, bool) {
	v, present, inObject := lookUp(doc, segs)
	switch {
	case !present && inObject && f.required:
		// What the whole document says of a missing answer.
		return []Violation{{Pointer: ptr, Code: "required"}}, true
	case !present:
		// An optional answer left out, or the way to it missing: nothing inside ptr.
		return nil, true
	}
	f.once.Do(func() { f.compiled, _ = compile(f.data) })
	if f.compiled == nil {
		return nil, false
	}
	res, err := runOn(f.compiled, gojsonschema.NewGoLoader(v))
	if err != nil {
		return nil, false
	}
	vs := s.violations(res)
	for i := range vs {
		vs[i].Pointer = ptr + vs[i].Pointer
	}
	s.Sort(vs)
	return vs, true
}

// lookUp finds the value at segs. When it is not there, inObject tells whether the
// last step alone is missing, from an object that is there.
func lookUp(doc any, segs []string) (v any, present, inObject bool) {
	v = doc
	for i, seg := range segs {
		switch c := v.(type) {
		case map[string]any:
			if v, present = c[seg]; !present {
				return nil, false, i == len(segs)-1
			}
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(c) {
				return nil, false, false
			}
			v = c[n]
		default:
			return nil, false, false
		}
	}
	return v, true, false
}

// outside are the keywords with which an object or list decides about its members
// together: a field under one of them is checked with the whole document.
var outside = []string{"if", "then", "else", "allOf", "anyOf", "oneOf", "not", "dependencies",
	"patternProperties", "propertyNames", "additionalItems", "$ref"}

// field returns the schema of the field at segs, or nil where the field cannot be
// checked on its own.
func (s *Service) field(segs []string) *fieldSchema {
	if len(segs) == 0 {
		return nil
	}
	key := make([]string, len(segs))
	for i, seg := range segs {
		key[i] = seg
		if _, err := strconv.Atoi(seg); err == nil {
			key[i] = "#" // every item of a list has the same schema
		}
	}
	k := strings.Join(key, "\x00")
	s.fieldsMu.Lock()
	defer s.fieldsMu.Unlock()
	if s.fields == nil {
		s.fields = map[string]*fieldSchema{}
	}
	if f, ok := s.fields[k]; ok {
		return f
	}
	f := s.findField(segs)
	s.fields[k] = f
	return f
}

// decoded is the service's file decoded, once.
func (s *Service) decoded() map[string]any {
	s.rawOnce.Do(func() { _ = json.Unmarshal(s.data, &s.raw) })
	return s.raw
}

// findField walks the schema to the field at segs; nil when a schema on the way (the
// root included) has a keyword that decides about its members together, or the field
// itself refers elsewhere in the file.
func (s *Service) findField(segs []string) *fieldSchema {
	node, required := s.decoded(), false
	if node == nil {
		return nil
	}
	for _, seg := range segs {
		for _, kw := range outside {
			if _, ok := node[kw]; ok {
				return nil
			}
		}
		if props, ok := node["properties"].(map[string]any); ok && node["type"] != "array" {
			child, ok := props[seg].(map[string]any)
			if !ok {
				return nil
			}
			required = false
			if req, ok := node["required"].([]any); ok {
				for _, r := range req {
					if r == seg {
						required = true
					}
				}
			}
			node = child
			continue
		}
		if items, ok := node["items"].(map[string]any); ok {
			if _, err := strconv.Atoi(seg); err != nil {
				return nil
			}
			node, required = items, false
			continue
		}
		return nil
	}
	// The field's own schema, whole: it must not refer elsewhere in the file.
	data, err := json.Marshal(node)
	if err != nil || strings.Contains(string(data), `"$ref"`) {
		return nil
	}
	return &fieldSchema{required: required, data: data}
}
