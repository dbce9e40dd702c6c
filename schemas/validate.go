package schemas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"

	"github.com/xeipuuv/gojsonschema"
)

// Violation is one problem of a document: where (a JSON pointer), what (a stable code
// from the authors' guide) and the numbers a message needs.
type Violation struct {
	Pointer string         `json:"pointer"`
	Code    string         `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
}

// codes maps gojsonschema's error types to ours, which are JSON Schema keywords.
var codes = map[string]string{
	"required":                        "required",
	"invalid_type":                    "type",
	"format":                          "format",
	"pattern":                         "pattern",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"number_gte":                      "minimum",
	"number_lte":                      "maximum",
	"number_gt":                       "exclusiveMinimum",
	"number_lt":                       "exclusiveMaximum",
	"multiple_of":                     "multipleOf",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"enum":                            "enum",
	"const":                           "enum",
	"number_one_of":                   "enum",
	"number_any_of":                   "enum",
	"additional_property_not_allowed": "additionalProperties",
	"missing_dependency":              "required",
	"invalid_property_name":           "propertyNames",
}

// wrappers are errors that only say that a part failed whose own errors are reported
// too: a failed then or else, a failed allOf part. They would add an entry on the
// object (or the whole form) that the user cannot act on.
var wrappers = map[string]bool{"condition_then": true, "condition_else": true, "number_all_of": true}

// rank decides which problem a field shows when it has several: a missing answer, then
// a wrong type, then the most specific rule (a minimum, a pattern), before the generic
// ones (anyOf and oneOf report "enum"; "invalid" says only that something failed).
var rank = map[string]int{"required": 0, "type": 1, "propertyNames": 2, "enum": 6, "additionalProperties": 7, "invalid": 8}

// rankOther is the rank of every specific rule.
const rankOther = 5

// ErrValidatorFailed reports that the validator itself failed on a document (a bug in
// gojsonschema met an input it did not expect). The document is refused, not stored.
var ErrValidatorFailed = errors.New("schemas: the validator failed on this document")

// Validate checks a decoded document (maps, slices, strings, float64, bool) against the
// service's schema. It returns nil for a valid document.
func (s *Service) Validate(doc any) []Violation {
	res, err := s.run(gojsonschema.NewGoLoader(doc))
	if err != nil {
		// Only a document that cannot be encoded gets here; report it on the root.
		return []Violation{{Pointer: "", Code: "type"}}
	}
	return s.violations(res)
}

// ValidateJSON checks a JSON document. A document that CheckJSON refuses gives an error
// that wraps ErrInvalidJSON (a *JSONError says why); a validator failure gives
// ErrValidatorFailed.
func (s *Service) ValidateJSON(data []byte) ([]Violation, error) {
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	if vs := s.overfull(data); len(vs) > 0 {
		return vs, nil
	}
	res, err := s.run(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return nil, err
	}
	return s.violations(res), nil
}

// ValidateJSONContext is ValidateJSON for a request: it does not start when ctx is
// done, and reports ctx's error if ctx ended while it ran, so that nobody acts on a
// verdict the asker no longer waits for. CheckJSON bounds the work of one document.
func (s *Service) ValidateJSONContext(ctx context.Context, data []byte) ([]Violation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vs, err := s.ValidateJSON(data)
	if cerr := ctx.Err(); cerr != nil && err == nil {
		return nil, cerr
	}
	return vs, err
}

// overfull finds lists longer than their maxItems. Such a document is refused on that
// alone: gojsonschema would otherwise check (and word an error for) each of thousands of
// items a hostile body can hold, at a quarter of a CPU-second a request, while a person's
// form never holds more items than allowed.
func (s *Service) overfull(data []byte) []Violation {
	if !s.hasMaxItems {
		return nil
	}
	var doc any
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []Violation
	s.Form.Walk(doc, func(n *Node, v any, pointer string) bool {
		if list, ok := v.([]any); ok && n.MaxItems > 0 && len(list) > n.MaxItems {
			out = append(out, Violation{Pointer: pointer, Code: "maxItems", Params: map[string]any{"max": n.MaxItems}})
			return false
		}
		return true
	})
	s.Sort(out)
	return out
}

// run validates, turning a panic inside gojsonschema into ErrValidatorFailed: a hostile
// document must cost a refusal, not the request.
func (s *Service) run(doc gojsonschema.JSONLoader) (*gojsonschema.Result, error) {
	compiled, err := s.schema()
	if err != nil {
		return nil, fmt.Errorf("schemas: compiling %s: %w", s.ID, err)
	}
	return runOn(compiled, doc)
}

// compile compiles a draft-07 schema: a service's, a field's alone (field.go) or a
// condition's test (condition.go).
func compile(data []byte) (*gojsonschema.Schema, error) {
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	return loader.Compile(gojsonschema.NewBytesLoader(data))
}

// runOn is run with a given schema (a field's alone, a condition's test).
func runOn(compiled *gojsonschema.Schema, doc gojsonschema.JSONLoader) (res *gojsonschema.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: %v", ErrValidatorFailed, p)
		}
	}()
	res, err = compiled.Validate(doc)
	if err != nil {
		return nil, fmt.Errorf("schemas: validating: %w", err)
	}
	return res, nil
}

func (s *Service) violations(res *gojsonschema.Result) []Violation {
	if res.Valid() {
		return nil
	}
	byPointer := map[string]Violation{}
	for _, e := range res.Errors() {
		if wrappers[e.Type()] {
			continue
		}
		v := convert(e)
		if old, ok := byPointer[v.Pointer]; ok && !outranks(v.Code, old.Code) {
			continue
		}
		byPointer[v.Pointer] = v
	}
	out := make([]Violation, 0, len(byPointer))
	for _, v := range byPointer {
		out = append(out, v)
	}
	s.Sort(out)
	return out
}

// outranks reports whether a field shows problem a rather than b. Equal ranks go by
// the code, so that the order gojsonschema finds them in (map order) decides nothing.
func outranks(a, b string) bool {
	ra, ok := rank[a]
	if !ok {
		ra = rankOther
	}
	rb, ok := rank[b]
	if !ok {
		rb = rankOther
	}
	if ra != rb {
		return ra < rb
	}
	return a < b
}

func convert(e gojsonschema.ResultError) Violation {
	code, ok := codes[e.Type()]
	if !ok {
		code = "invalid"
	}
	// The keys on the way, exact whatever they hold (a key may contain any character).
	segs := e.Context().Segments()
	ptr := make([]any, len(segs))
	for i, s := range segs {
		ptr[i] = s
	}
	pointer := Pointer("", ptr...)
	params := map[string]any{}
	for k, v := range e.Details() {
		switch k {
		case "context", "field":
			continue
		case "property":
			// required and additionalProperties sit on the parent object: point at the field.
			if code == "required" || code == "additionalProperties" || code == "propertyNames" {
				pointer = Pointer(pointer, v)
				continue
			}
		case "dependency": // a missing dependency: the field that is missing
			pointer = Pointer(pointer, v)
			continue
		}
		params[k] = jsonParam(v)
	}
	// An empty item of a list (null) is a missing answer, not a wrong type.
	if code == "type" && params["given"] == "null" {
		code, params = "required", nil
	}
	if len(params) == 0 {
		params = nil
	}
	return Violation{Pointer: pointer, Code: code, Params: params}
}

// jsonParam turns gojsonschema's detail values into plain JSON values.
func jsonParam(v any) any {
	switch t := v.(type) {
	case string, bool, int, float64:
		return t
	case *big.Rat:
		if t.IsInt() {
			return t.Num().Int64()
		}
		f, _ := t.Float64()
		return f
	case *big.Float:
		f, _ := t.Float64()
		return f
	default:
		return fmt.Sprint(t)
	}
}

// Sort puts violations in the order the form shows their fields: pages, then the order
// of fields, then array items by index. Both sides sort alike, so the error summary and
// the API list problems in the same order.
func (s *Service) Sort(vs []Violation) {
	keys := make(map[string][]int, len(vs))
	for _, v := range vs {
		keys[v.Pointer] = s.orderKey(v.Pointer)
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := keys[vs[i].Pointer], keys[vs[j].Pointer]
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return vs[i].Pointer < vs[j].Pointer
	})
}

const unknownOrder = 1 << 30

func (s *Service) orderKey(pointer string) []int {
	segs := Segments(pointer)
	key := make([]int, 0, len(segs)+1)
	if len(segs) == 0 {
		return key
	}
	page := s.PageOf(pointer)
	pos := unknownOrder
	for i, f := range s.Pages[page].Fields {
		if f == segs[0] {
			pos = i
		}
	}
	key = append(key, page, pos)
	cur := s.Form.Property(segs[0])
	for _, seg := range segs[1:] {
		if cur == nil {
			key = append(key, unknownOrder)
			continue
		}
		switch cur.Type {
		case "array":
			i, err := strconv.Atoi(seg)
			if err != nil {
				i = unknownOrder
			}
			key = append(key, i)
			cur = cur.Items
		case "object":
			idx := unknownOrder
			for i, p := range cur.Properties {
				if p.Name == seg {
					idx = i
				}
			}
			key = append(key, idx)
			cur = cur.Property(seg)
		default:
			key = append(key, unknownOrder)
			cur = nil
		}
	}
	return key
}
