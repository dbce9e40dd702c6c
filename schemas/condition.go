package schemas

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

// Condition is a part of an object's schema that applies only sometimes: the then or
// the else of an if, or what a dependency asks once its property is answered. While it
// applies, the fields it names are shown, and those it requires carry the required mark.
type Condition struct {
	test     *test    // if; nil for a dependency or a plain allOf part
	onFail   bool     // else: applies when the test fails
	answered string   // dependency: applies while this property is answered
	required []string // the fields it requires
	fields   []string // the fields it declares or requires
	inner    []*Condition
}

// test is an if schema, compiled on its first use.
type test struct {
	data     []byte
	once     sync.Once
	compiled *gojsonschema.Schema
}

// holds reports whether v passes the test. A test that does not compile never holds
// (Parse checks that every test compiles).
func (t *test) holds(v any) bool {
	t.once.Do(func() { t.compiled, _ = compile(t.data) })
	if t.compiled == nil {
		return false
	}
	res, err := runOn(t.compiled, gojsonschema.NewGoLoader(v))
	return err == nil && res.Valid()
}

// applies reports whether c applies to obj, the object's value.
func (c *Condition) applies(obj map[string]any) bool {
	switch {
	case c.test != nil:
		return c.test.holds(obj) != c.onFail
	case c.answered != "":
		_, ok := obj[c.answered]
		return ok
	}
	return true
}

// Applying returns what the object's conditions ask now, for its value v: the
// conditional fields shown and the fields required beyond the object's own required
// list. Both are empty for an object without conditions.
func (n *Node) Applying(v any) (shown, required map[string]bool) {
	if len(n.Conditions) == 0 {
		return nil, nil
	}
	obj, _ := v.(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	shown, required = map[string]bool{}, map[string]bool{}
	var visit func(cs []*Condition)
	visit = func(cs []*Condition) {
		for _, c := range cs {
			if !c.applies(obj) {
				continue
			}
			for _, f := range c.fields {
				shown[f] = true
			}
			for _, f := range c.required {
				required[f] = true
			}
			visit(c.inner)
		}
	}
	visit(n.Conditions)
	return shown, required
}

// Clean returns the document as it is sent: without the answers of fields that no
// condition shows now, and without optional objects the user has not filled in (an
// optional "co-applicant" must not demand its name from everyone). The draft keeps
// what Clean leaves out, so that it comes back if the user changes their mind. doc is
// not changed.
func (s *Service) Clean(doc any) any {
	if !s.hasConditions && !s.hasOptionalObjects {
		return doc
	}
	out, _ := clean(s.Form, doc)
	return out
}

// clean returns v cleaned for node n, and whether the user has given anything in it:
// a value other than the schema's default (an unticked box gives nothing).
func clean(n *Node, v any) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		if n.Type != "object" {
			return v, true
		}
		shown, needed := n.Applying(t)
		out := make(map[string]any, len(t))
		given := false
		for k, cv := range t {
			c := n.Property(k)
			if c == nil { // not the form's: validation judges it
				out[k], given = cv, true
				continue
			}
			if c.Conditional && !shown[k] {
				continue
			}
			cleaned, g := clean(c, cv)
			if c.Type == "object" && !g && !c.Required && !needed[k] {
				continue // an optional object left as it came
			}
			out[k] = cleaned
			given = given || g
		}
		return out, given
	case []any:
		if n.Items == nil {
			return v, true
		}
		out := make([]any, len(t))
		given := false
		for i, item := range t {
			var g bool
			out[i], g = clean(n.Items, item)
			given = given || g
		}
		return out, given
	case nil:
		return nil, false
	case bool:
		if !t && n.Default == nil {
			return v, false
		}
	}
	return v, !equalJSON(v, n.Default)
}

// equalJSON reports whether two decoded JSON values are the same.
func equalJSON(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// rawBranch is the part of a schema node a condition reads.
type rawBranch struct {
	If           json.RawMessage            `json:"if"`
	Then         json.RawMessage            `json:"then"`
	Else         json.RawMessage            `json:"else"`
	AllOf        []json.RawMessage          `json:"allOf"`
	Dependencies map[string]json.RawMessage `json:"dependencies"`
	Required     []string                   `json:"required"`
	Properties   json.RawMessage            `json:"properties"`
}

// decode reads what a branch says from a node as written, without its fields' own
// schemas or whatever else it holds.
func (r *rawBranch) decode(raw json.RawMessage) error {
	return decodeShallow(raw, r, map[string]*json.RawMessage{
		"if": &r.If, "then": &r.Then, "else": &r.Else, "properties": &r.Properties,
		"items": nil, "definitions": nil, "x-ui": nil, "x-i18n": nil, "x-service": nil, "oneOf": nil,
	})
}

// conditions builds an object's conditions from its node as written, and the fields
// the conditions declare that the object does not.
func (b *builder) conditions(path string, raw json.RawMessage, declared map[string]bool) (conds []*Condition, extra []*Node) {
	var r rawBranch
	if err := r.decode(raw); err != nil {
		return nil, nil
	}
	branch := func(path string, raw json.RawMessage) *Condition {
		var br rawBranch
		if err := br.decode(raw); err != nil {
			b.problem(path, "%v", err)
			return &Condition{}
		}
		c := &Condition{required: br.Required}
		c.fields = append(c.fields, br.Required...)
		if len(br.Properties) > 0 {
			members, _ := objectMembers(br.Properties)
			props := make(map[string]json.RawMessage, len(members))
			for _, m := range members {
				props[m.key] = m.value
			}
			for _, m := range members {
				k := m.key
				if declared[k] {
					// A rule on a field the object shows anyway (a tighter minimum):
					// it does not make the field conditional.
					continue
				}
				c.fields = append(c.fields, k)
				declared[k] = true
				extra = append(extra, b.node(path+"/properties/"+k, k, props[k]))
			}
		}
		inner, more := b.conditions(path, raw, declared)
		c.inner, extra = inner, append(extra, more...)
		return c
	}
	if len(r.If) > 0 {
		t := &test{data: b.withDefinitions(r.If)}
		if len(r.Then) > 0 {
			c := branch(path+"/then", r.Then)
			c.test = t
			conds = append(conds, c)
		}
		if len(r.Else) > 0 {
			c := branch(path+"/else", r.Else)
			c.test, c.onFail = t, true
			conds = append(conds, c)
		}
		if len(r.Then) == 0 && len(r.Else) == 0 {
			b.problem(path, "if has neither then nor else")
		}
	}
	for i, part := range r.AllOf {
		c := branch(path+"/allOf/"+strconv.Itoa(i), part)
		if len(c.fields) > 0 || len(c.inner) > 0 {
			conds = append(conds, c)
		}
	}
	if len(r.Dependencies) > 0 {
		names := make([]string, 0, len(r.Dependencies))
		for k := range r.Dependencies {
			names = append(names, k)
		}
		slices.Sort(names) // the file's map order must not decide anything
		for _, k := range names {
			dep := r.Dependencies[k]
			var list []string
			if json.Unmarshal(dep, &list) == nil {
				conds = append(conds, &Condition{answered: k, required: list, fields: list})
				continue
			}
			c := branch(path+"/dependencies/"+escapePointer(k), dep)
			c.answered = k
			conds = append(conds, c)
		}
	}
	return conds, extra
}

// withDefinitions returns an if schema that can stand alone: a $ref in it points into
// the file's definitions, which it gets a copy of.
func (b *builder) withDefinitions(raw json.RawMessage) []byte {
	defs, err := b.resolve("#/definitions")
	if err != nil {
		return raw
	}
	members, err := objectMembers(raw)
	if err != nil {
		return raw
	}
	for _, m := range members {
		if m.key == "definitions" {
			return raw
		}
	}
	out := make([]byte, 0, len(raw)+len(defs)+16)
	out = append(out, `{"definitions":`...)
	out = append(out, defs...)
	for _, m := range members {
		out = append(out, ',')
		out = append(out, m.rawKey...)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}')
}

// markConditional marks an object's fields that are shown only while a condition
// names them: named by a condition, and not required by the object itself.
func markConditional(n *Node) {
	named := map[string]bool{}
	var visit func(cs []*Condition)
	visit = func(cs []*Condition) {
		for _, c := range cs {
			for _, f := range c.fields {
				named[f] = true
			}
			visit(c.inner)
		}
	}
	visit(n.Conditions)
	for _, p := range n.Properties {
		if named[p.Name] && !p.Required {
			p.Conditional = true
		}
	}
}

// checkTests compiles every if of the form and names those that do not compile.
func (n *Node) checkTests(path string) []string {
	var problems []string
	var visit func(cs []*Condition)
	visit = func(cs []*Condition) {
		for _, c := range cs {
			if c.test != nil {
				c.test.holds(nil)
				if c.test.compiled == nil {
					problems = append(problems, path+": an if schema does not compile")
				}
			}
			visit(c.inner)
		}
	}
	visit(n.Conditions)
	for _, p := range n.Properties {
		problems = append(problems, p.checkTests(path+"/properties/"+escapePointer(p.Name))...)
	}
	if n.Items != nil {
		problems = append(problems, n.Items.checkTests(path+"/items")...)
	}
	return problems
}

// HasConditions reports whether some part of the form applies only sometimes.
func (s *Service) HasConditions() bool { return s.hasConditions }

// ConditionState describes what the form's conditions ask of doc: for each object
// with conditions, the fields they show and require. It changes exactly when a field
// comes, goes or gains or loses its required mark: the form then renders.
func (s *Service) ConditionState(doc any) string {
	if !s.hasConditions {
		return ""
	}
	var b strings.Builder
	s.Form.Walk(doc, func(n *Node, v any, ptr string) bool {
		if len(n.Conditions) == 0 {
			return true
		}
		shown, required := n.Applying(v)
		b.WriteString(ptr)
		for _, names := range []map[string]bool{shown, required} {
			b.WriteByte(0)
			for _, name := range slices.Sorted(maps.Keys(names)) {
				b.WriteString(name)
				b.WriteByte(1)
			}
		}
		b.WriteByte(0)
		return true
	})
	return b.String()
}
