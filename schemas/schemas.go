// Package schemas loads the services' JSON Schema files, checks them, builds the form
// model the renderer draws, and validates documents. The browser and the server share it,
// so a document is judged by the same code on both sides. It is the only package that
// imports gojsonschema.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed *.json
var embedded embed.FS

// Service is one e-service: its catalog entry, its form and its compiled schema.
type Service struct {
	Entry
	Form   *Node
	Pages  []Page
	Schema json.RawMessage // the file as written, served to API clients

	data        []byte // the file, compiled on first use when CompileOnUse is set
	compileOnce sync.Once
	compiled    *gojsonschema.Schema
	compileErr  error
	// fields are the schemas of fields checked on their own (field.go), by place, cut
	// from the file decoded once (raw).
	fieldsMu    sync.Mutex
	fields      map[string]*fieldSchema
	rawOnce     sync.Once
	raw         map[string]any
	hasMaxItems bool // some list has maxItems: check lengths before validating
	hasFiles    bool // some field takes a file
	// Clean has work to do: some object has conditions, or is optional.
	hasConditions, hasOptionalObjects bool
	// prefillAt are the fields with x-prefill, by pointer (prefill.go).
	prefillOnce sync.Once
	prefillAt   map[string]*Node
	// search are the words the service is found by, by language (search.go).
	searchMu sync.Mutex
	search   map[string][]string
}

// Page is one step of a multi-page form.
type Page struct {
	Title  Text
	Fields []string // top-level property names
}

// Registry holds the loaded services.
type Registry struct {
	mu       sync.Mutex
	services []*Service // by ID
	byID     map[string]*Service
	// unparsed holds the files of services not parsed yet (ParseOnUse), by ID.
	unparsed map[string][]byte
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
var codePattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Load reads every *.json file of fsys as a service. It fails with every problem found,
// so a broken schema stops the server (and the tests) instead of reaching residents.
func Load(fsys fs.FS) (*Registry, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	r := &Registry{byID: map[string]*Service{}}
	if ParseOnUse {
		r.unparsed = map[string][]byte{}
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("schemas: %w", err)
			}
			r.unparsed[strings.TrimSuffix(path.Base(name), ".json")] = b
		}
		return r, nil
	}
	var problems []string
	codes := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
		id := strings.TrimSuffix(path.Base(name), ".json")
		s, errs := Parse(id, b)
		if len(errs) > 0 {
			for _, e := range errs {
				problems = append(problems, name+": "+e)
			}
			continue
		}
		if other, dup := codes[s.Code]; dup {
			problems = append(problems, fmt.Sprintf("%s: x-service.code %q is used by %s too", name, s.Code, other))
			continue
		}
		codes[s.Code] = name
		r.services = append(r.services, s)
		r.byID[id] = s
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("schemas: %d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	sort.Slice(r.services, func(i, j int) bool { return r.services[i].ID < r.services[j].ID })
	return r, nil
}

var (
	builtinOnce sync.Once
	builtin     *Registry
	builtinErr  error
)

// Builtin returns the services embedded in the binary (this folder's files). They are
// parsed on first use, not at start-up of packages that never need them.
func Builtin() (*Registry, error) {
	builtinOnce.Do(func() { builtin, builtinErr = Load(embedded) })
	return builtin, builtinErr
}

// Services returns all services, sorted by id.
func (r *Registry) Services() []*Service {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.unparsed {
		r.parse(id)
	}
	return r.services
}

// Service returns the service with that id, or nil.
func (r *Registry) Service(id string) *Service {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.unparsed[id]; ok {
		r.parse(id)
	}
	return r.byID[id]
}

// Add parses a service's file and adds the service, unless the registry has one with
// that ID. The browser client adds a service that the server has and the client was
// built without.
func (r *Registry) Add(id string, data []byte) error {
	s, errs := Parse(id, data)
	if len(errs) > 0 {
		return fmt.Errorf("schemas: %s: %s", id, strings.Join(errs, "; "))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.unparsed[id]; ok || r.byID[id] != nil {
		return fmt.Errorf("schemas: %s: the registry has it already", id)
	}
	r.insert(s)
	return nil
}

// ParseOnUse makes Load keep the files and parse each service when it is first asked
// for: the browser client shows one form and needs one service, not every one, at
// start. The server parses every file at start, so that a broken file stops it
// (and the client's files are the same files).
var ParseOnUse = false

// parse parses a service kept unparsed; r.mu is held. A file that does not parse is
// left out, as the server refuses to start with it.
func (r *Registry) parse(id string) {
	data := r.unparsed[id]
	delete(r.unparsed, id)
	s, errs := Parse(id, data)
	if len(errs) > 0 {
		return
	}
	r.insert(s)
}

// insert adds a parsed service in ID order; r.mu is held.
func (r *Registry) insert(s *Service) {
	if r.byID == nil {
		r.byID = map[string]*Service{}
	}
	r.byID[s.ID] = s
	i, _ := slices.BinarySearchFunc(r.services, s.ID, func(s *Service, id string) int { return strings.Compare(s.ID, id) })
	r.services = slices.Insert(r.services, i, s)
}

// Sorted returns the services in alphabetical order of their names in lang.
func (r *Registry) Sorted(lang string) []*Service {
	out := append([]*Service(nil), r.Services()...)
	keys := make(map[*Service]string, len(out))
	for _, s := range out {
		keys[s] = collateKey(s.Name.In(lang))
	}
	sort.SliceStable(out, func(i, j int) bool { return keys[out[i]] < keys[out[j]] })
	return out
}

// collation orders å, ä and ö after z, as the Finnish and Swedish alphabets do.
var collation = strings.NewReplacer("å", "{1", "ä", "{2", "ö", "{3", "Å", "{1", "Ä", "{2", "Ö", "{3")

func collateKey(s string) string { return collation.Replace(strings.ToLower(s)) }

type rawService struct {
	Code           string              `json:"code"`
	Version        int                 `json:"version"`
	Name           Text                `json:"name"`
	Summary        Text                `json:"summary"`
	Description    Text                `json:"description"`
	Audience       Text                `json:"audience"`
	ProcessingTime Text                `json:"processingTime"`
	Validity       Text                `json:"validity"`
	Department     Text                `json:"department"`
	KeepInFolder   *bool               `json:"keepInFolder"`
	Topics         []string            `json:"topics"`
	TargetGroups   []string            `json:"targetGroups"`
	Keywords       map[string][]string `json:"keywords"`
	Channels       []rawChannel        `json:"channels"`
	Feedback       string              `json:"feedback"`
}

// Parse builds a service from one schema file and returns every problem found.
func Parse(id string, data []byte) (*Service, []string) {
	if !idPattern.MatchString(id) {
		return nil, []string{fmt.Sprintf("file name %q: use lower-case words joined by hyphens", id)}
	}
	var head struct {
		Schema  string      `json:"$schema"`
		Type    string      `json:"type"`
		Service *rawService `json:"x-service"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, []string{fmt.Sprintf("not valid JSON: %v", err)}
	}
	b := &builder{root: data}
	if head.Schema != "http://json-schema.org/draft-07/schema#" {
		b.problem("#", "$schema must be http://json-schema.org/draft-07/schema#")
	}
	if head.Type != "object" {
		b.problem("#", "the root must be of type object")
	}
	checkRefs(b, data)
	s := &Service{Entry: Entry{ID: id}, Schema: json.RawMessage(data)}
	if rs := head.Service; rs == nil {
		b.problem("#", "x-service is missing")
	} else {
		s.Entry = entry(b, id, rs)
	}
	s.Form = b.node("#", "", data)
	if s.Form.Title == nil {
		b.problem("#", "the form has no title")
	}
	s.Pages = pages(b, s.Form, data)
	if len(b.problems) > 0 {
		return nil, b.problems
	}
	s.data = data
	if !CompileOnUse {
		if _, err := s.schema(); err != nil {
			return nil, []string{fmt.Sprintf("compiling: %v", err)}
		}
		if problems := s.Form.checkTests("#"); len(problems) > 0 {
			return nil, problems
		}
	}
	s.hasMaxItems = anyNode(s.Form, func(n *Node) bool { return n.MaxItems > 0 })
	s.hasFiles = anyNode(s.Form, func(n *Node) bool { return n.Widget == "file" })
	s.hasConditions = anyNode(s.Form, func(n *Node) bool { return len(n.Conditions) > 0 })
	s.hasOptionalObjects = anyNode(s.Form, func(n *Node) bool { return n.Name != "" && n.Type == "object" && !n.Required })
	return s, nil
}

// CompileOnUse makes services compile their schema when they first validate, not when
// they are loaded. The browser's client sets it: a page needs one form's schema, and
// compiling all of them at start blocked the page (240 ms for 5; it grows with the
// catalog). The server keeps compiling at load, so that a broken schema stops it.
var CompileOnUse = false

// Prepare compiles the schema now, if it is compiled on use, and readies the fields'
// own checks (ValidateAt): a form calls it once it shows, so that the first field the
// resident leaves does not wait for it.
func (s *Service) Prepare() {
	s.schema()
	// A first check of a field alone readies that code too (the browser compiles
	// WebAssembly code when it first runs): the form's first field, given no answer.
	doc, ptr := map[string]any{}, ""
	for m, n := doc, s.Form; n.Type == "object" && len(n.Properties) > 0; {
		n = n.Properties[0]
		ptr = Pointer(ptr, n.Name)
		if n.Type != "object" || len(n.Properties) == 0 {
			m[n.Name] = nil
			break
		}
		next := map[string]any{}
		m[n.Name] = next
		m = next
	}
	if ptr != "" {
		s.ValidateAt(doc, ptr)
	}
}

// schema is the compiled schema, compiled once.
func (s *Service) schema() (*gojsonschema.Schema, error) {
	s.compileOnce.Do(func() { s.compiled, s.compileErr = compile(s.data) })
	return s.compiled, s.compileErr
}

// pages reads x-ui.pages and checks that every top-level field is on exactly one page.
func pages(b *builder, form *Node, data []byte) []Page {
	var root struct {
		UI rawUI `json:"x-ui"`
	}
	_ = json.Unmarshal(data, &root)
	if len(root.UI.Pages) == 0 {
		all := make([]string, len(form.Properties))
		for i, p := range form.Properties {
			all[i] = p.Name
		}
		return []Page{{Fields: all}}
	}
	on := map[string]int{}
	out := make([]Page, 0, len(root.UI.Pages))
	for i, p := range root.UI.Pages {
		path := fmt.Sprintf("#/x-ui/pages/%d", i)
		if p.Title == nil {
			b.problem(path, "title is missing")
		}
		for _, f := range p.Fields {
			if form.Property(f) == nil {
				b.problem(path, "names unknown field %q", f)
			}
			on[f]++
		}
		out = append(out, Page{Title: b.own(path, "title", p.Title), Fields: p.Fields})
	}
	for _, p := range form.Properties {
		if on[p.Name] != 1 {
			b.problem("#/x-ui/pages", "field %q is on %d pages; it must be on exactly one", p.Name, on[p.Name])
		}
	}
	return out
}

// checkRefs refuses every $ref that leaves the file: gojsonschema would fetch it over
// the network.
func checkRefs(b *builder, data []byte) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return
	}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if ref, ok := c.(string); ok && k == "$ref" && !strings.HasPrefix(ref, "#") {
					b.problem(p, "$ref %q leaves the file: only #/... references are allowed", ref)
				}
				walk(p+"/"+escapePointer(k), c)
			}
		case []any:
			for i, c := range t {
				walk(fmt.Sprintf("%s/%d", p, i), c)
			}
		}
	}
	walk("#", v)
}

// PageOf returns the index of the page that holds the field at pointer.
func (s *Service) PageOf(pointer string) int {
	segs := Segments(pointer)
	if len(segs) == 0 {
		return 0
	}
	for i, p := range s.Pages {
		for _, f := range p.Fields {
			if f == segs[0] {
				return i
			}
		}
	}
	return 0
}

// HasFiles reports whether the form asks for files.
func (s *Service) HasFiles() bool { return s.hasFiles }

// anyNode reports whether any node of the form is one that is.
func anyNode(n *Node, is func(*Node) bool) bool {
	if n == nil {
		return false
	}
	if is(n) || anyNode(n.Items, is) {
		return true
	}
	for _, p := range n.Properties {
		if anyNode(p, is) {
			return true
		}
	}
	return false
}
