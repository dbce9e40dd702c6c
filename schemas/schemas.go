// Package schemas loads the services' JSON Schema files, checks them, builds the form
// model the renderer draws, and validates documents. The browser and the server share it,
// so a document is judged by the same code on both sides. It is the only package that
// imports gojsonschema.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
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
}

// Page is one step of a multi-page form.
type Page struct {
	Title  Text
	Fields []string // top-level property names
}

// Registry holds the services. The server's has every service parsed; a browser
// client's holds every service's catalog entry (Catalog) and parses the form of a
// service when its page needs it (Add).
type Registry struct {
	mu       sync.Mutex
	entries  []*Entry                 // every service's, by ID
	byID     map[string]*Service      // the parsed services
	services []*Service               // the same, by ID
	sorted   map[string][]*Entry      // entries in each language's alphabetical order, once asked for
	search   map[string]searchWordsOf // searchText's words, by language and ID
	// problems are the last Reload's, by service ID; generation counts the Reloads.
	problems   map[string][]string
	generation int
}

// validID reports whether id is lower-case words of letters and digits joined by
// hyphens (as ^[a-z0-9]+(-[a-z0-9]+)*$ would; the client starts faster without a
// regular expression to compile as its packages load).
func validID(id string) bool {
	for _, word := range strings.Split(id, "-") {
		if word == "" {
			return false
		}
		for i := 0; i < len(word); i++ {
			if c := word[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// validCode reports whether code is three capital letters A-Z.
func validCode(code string) bool { return runOf(code, 3, 'A', 'Z') }

// Load reads every *.json file of fsys as a service. It fails with every problem found,
// so a broken schema stops the server (and the tests) instead of reaching residents.
func Load(fsys fs.FS) (*Registry, error) {
	services, problems, err := loadAll(fsys)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("schemas: %d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	r := &Registry{}
	for _, s := range services {
		r.insert(s)
	}
	return r, nil
}

// loadAll parses every *.json file of fsys, and returns the services that parsed and
// the problems of the others ("file: place: what is wrong"), codes used twice included.
func loadAll(fsys fs.FS) ([]*Service, []string, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("schemas: %w", err)
	}
	var services []*Service
	var problems []string
	codes := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, nil, fmt.Errorf("schemas: %w", err)
		}
		s, errs := Parse(strings.TrimSuffix(path.Base(name), ".json"), b)
		if len(errs) > 0 {
			for _, e := range errs {
				problems = append(problems, name+": "+e)
			}
			continue
		}
		if other, dup := codes[s.Code]; dup {
			problems = append(problems, fmt.Sprintf("%s: #/x-service: code %q is used by %s too: give each service its own", name, s.Code, other))
			continue
		}
		codes[s.Code] = name
		services = append(services, s)
	}
	return services, problems, nil
}

// Reload reads fsys again, as Load does, and takes what it finds in place of what the
// registry held: services added, changed or removed. A file with problems keeps its
// last good version serving (and is left out if it never had one): a mistake while
// editing never takes a form away from residents. It returns the problems.
func (r *Registry) Reload(fsys fs.FS) ([]string, error) {
	services, problems, err := loadAll(fsys)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	found := map[string]bool{}
	for _, s := range services {
		found[s.ID] = true
	}
	byFile := map[string][]string{}
	for _, p := range problems {
		// "name.json: ..." keeps the service of that file as it was.
		id, _, _ := strings.Cut(p, ".json: ")
		byFile[id] = append(byFile[id], p)
		if r.byID[id] != nil && !found[id] {
			services = append(services, r.byID[id])
			found[id] = true
		}
	}
	r.entries, r.byID, r.services, r.sorted, r.search = nil, nil, nil, nil, nil
	for _, s := range services {
		r.insert(s)
	}
	r.problems = byFile
	r.generation++
	return problems, nil
}

// Problems returns what the last Reload found wrong in the service's file, and how
// many Reloads there have been: a preview page shows the first and follows the
// second.
func (r *Registry) Problems(id string) ([]string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.problems[id], r.generation
}

var (
	builtinOnce sync.Once
	builtin     *Registry
	builtinErr  error
)

// Builtin returns the services embedded in the binary (this folder's files), parsed
// on first use. The browser client never calls it, so its binary carries none of them.
func Builtin() (*Registry, error) {
	builtinOnce.Do(func() { builtin, builtinErr = Load(embedded) })
	return builtin, builtinErr
}

// Catalog returns a registry of catalog entries whose forms are added when needed
// (Add): the browser client's.
func Catalog(entries []Entry) *Registry {
	r := &Registry{}
	for i := range entries {
		r.insertEntry(&entries[i])
	}
	return r
}

// AddEntries adds catalog entries to a registry that may have some services' forms
// already: a browser client that started on a form reads the catalog later. A
// service whose form it has keeps the form's entry.
func (r *Registry) AddEntries(entries []Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range entries {
		if r.byID[entries[i].ID] == nil {
			r.insertEntry(&entries[i])
		}
	}
}

// Services returns the parsed services, sorted by id: on the server, all of them.
func (r *Registry) Services() []*Service {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.services
}

// Service returns the service with that id, or nil if there is none or (in a
// browser client) its form has not been added yet.
func (r *Registry) Service(id string) *Service {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// Entry returns the catalog entry of the service with that id, or nil.
func (r *Registry) Entry(id string) *Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i, ok := r.find(id); ok {
		return r.entries[i]
	}
	return nil
}

// Entries returns every service's catalog entry, sorted by id.
func (r *Registry) Entries() []*Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries
}

// Add parses a service's file and adds the service, unless the registry has its form
// already. The browser client adds the form of a service whose page it shows; the
// file's entry takes the place of the catalog's.
func (r *Registry) Add(id string, data []byte) error {
	s, errs := Parse(id, data)
	if len(errs) > 0 {
		return fmt.Errorf("schemas: %s: %s", id, strings.Join(errs, "; "))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID[id] != nil {
		return fmt.Errorf("schemas: %s: the registry has it already", id)
	}
	r.insert(s)
	return nil
}

func (r *Registry) find(id string) (int, bool) {
	return slices.BinarySearchFunc(r.entries, id, func(e *Entry, id string) int { return strings.Compare(e.ID, id) })
}

// insert adds a parsed service in ID order; r.mu is held.
func (r *Registry) insert(s *Service) {
	if r.byID == nil {
		r.byID = map[string]*Service{}
	}
	r.byID[s.ID] = s
	if i, found := slices.BinarySearchFunc(r.services, s.ID, func(s *Service, id string) int { return strings.Compare(s.ID, id) }); found {
		r.services[i] = s
	} else {
		r.services = slices.Insert(r.services, i, s)
	}
	r.insertEntry(&s.Entry)
}

// Put adds a parsed service, or takes it in place of the one with its ID: a preview
// takes a service's new version.
func (r *Registry) Put(s *Service) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.insert(s)
}

// insertEntry adds or replaces an entry in ID order; r.mu is held.
func (r *Registry) insertEntry(e *Entry) {
	if i, ok := r.find(e.ID); ok {
		r.entries[i] = e
	} else {
		r.entries = slices.Insert(r.entries, i, e)
	}
	r.sorted, r.search = nil, nil
}

// Sorted returns the services' entries in alphabetical order of their names in lang.
func (r *Registry) Sorted(lang string) []*Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if out, ok := r.sorted[lang]; ok {
		return out
	}
	out := slices.Clone(r.entries)
	keys := make(map[*Entry]string, len(out))
	for _, e := range out {
		keys[e] = collateKey(e.Name.In(lang))
	}
	sort.SliceStable(out, func(i, j int) bool { return keys[out[i]] < keys[out[j]] })
	if r.sorted == nil {
		r.sorted = map[string][]*Entry{}
	}
	r.sorted[lang] = out
	return out
}

// collation orders å, ä and ö after z, as the Finnish and Swedish alphabets do.
var collation = strings.NewReplacer("å", "{1", "ä", "{2", "ö", "{3", "Å", "{1", "Ä", "{2", "Ö", "{3")

func collateKey(s string) string { return collation.Replace(strings.ToLower(s)) }

// rawService is x-service as written: the entry, and whether keepInFolder was given
// at all (it must be).
type rawService struct {
	Entry
	KeepInFolder *bool `json:"keepInFolder"`
}

// Parse builds a service from one schema file and returns every problem found.
func Parse(id string, data []byte) (*Service, []string) {
	if !validID(id) {
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

// Pace, when set, is called as Parse goes from node to node of a form. The browser's
// client sets it to let the page run while a long form is read: a parse is one call,
// the client's first one runs cold, and on a form of a hundred fields it took 120-220
// ms at once as the page started. The server leaves it unset.
var Pace func()

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
	_ = decodeShallow(data, &root, map[string]*json.RawMessage{
		"properties": nil, "definitions": nil, "allOf": nil, "if": nil, "then": nil, "else": nil, "dependencies": nil,
	})
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
func checkRefs(b *builder, data []byte) { refsIn(b, "#", data) }

// refsIn is checkRefs on the value raw, at p in the file. A value without "$ref" in
// it, escaped or not, is passed over unread.
func refsIn(b *builder, p string, raw json.RawMessage) {
	i := skipSpace(raw, 0)
	if i == len(raw) || !bytes.Contains(raw, []byte("$ref")) && !bytes.Contains(raw, []byte(`\u`)) {
		return
	}
	switch raw[i] {
	case '{':
		members, err := objectMembers(raw)
		if err != nil {
			return
		}
		for _, m := range members {
			var ref string
			if m.key == "$ref" && json.Unmarshal(m.value, &ref) == nil && !strings.HasPrefix(ref, "#") {
				b.problem(p, "$ref %q leaves the file: only #/... references are allowed", ref)
			}
			refsIn(b, p+"/"+escapePointer(m.key), m.value)
		}
	case '[':
		elems, err := arrayElems(raw)
		if err != nil {
			return
		}
		for i, e := range elems {
			refsIn(b, fmt.Sprintf("%s/%d", p, i), e)
		}
	}
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
