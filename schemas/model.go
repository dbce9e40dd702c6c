package schemas

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Text is a text in each of the portal's languages, keyed by language code.
type Text map[string]string

// In returns the text in lang, or the Finnish one if lang is missing, so that a gap
// never shows as an empty label (the translation test makes sure there are none).
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	return t["fi"]
}

// Option is one choice of an enum field.
type Option struct {
	Value any
	Label Text
}

// Node is one field of a form, built from a schema node. Nodes are read-only once
// loaded and shared by every render and validation.
type Node struct {
	Name         string // property name; empty for the root and array items
	Type         string // string, number, integer, boolean, object or array
	Title        Text
	Description  Text
	Help         Text
	Widget       string
	Format       string
	Autocomplete string
	Required     bool // required by the parent object
	ReadOnly     bool
	Prefill      string // x-prefill: where the answer comes from (prefill.go)
	Examples     []any  // examples: the form shows the first one as a hint
	Default      any
	Options      []Option
	MaxLength    int
	Minimum      *float64
	Maximum      *float64
	Properties   []*Node // objects, in display order
	Items        *Node   // arrays
	MinItems     int
	MaxItems     int // 0: no limit
	Errors       map[string]Text
	AddLabel     Text
	RemoveLabel  Text
	ItemTitle    Text
	// Conditions are the object's parts that apply only sometimes (condition.go);
	// Conditional marks a field shown only while one of them names it.
	Conditions  []*Condition
	Conditional bool
	Accept      []string // file fields: the types of file taken (x-ui.accept; default FileTypes)
	MaxSize     int64    // file fields: the largest file in bytes (x-ui.maxSize; default MaxFileSize)
}

// Property returns the object's property with that name, or nil.
func (n *Node) Property(name string) *Node {
	for _, p := range n.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// rawNode is a schema node as written; properties keep the file's order in keys.
type rawNode struct {
	Ref         string                       `json:"$ref"`
	Type        string                       `json:"type"`
	Title       string                       `json:"title"`
	Description string                       `json:"description"`
	Format      string                       `json:"format"`
	ReadOnly    bool                         `json:"readOnly"`
	Prefill     string                       `json:"x-prefill"`
	Examples    []any                        `json:"examples"`
	Default     any                          `json:"default"`
	Enum        []any                        `json:"enum"`
	OneOf       []rawNode                    `json:"oneOf"`
	Const       *json.RawMessage             `json:"const"`
	Required    []string                     `json:"required"`
	Properties  json.RawMessage              `json:"properties"`
	Items       json.RawMessage              `json:"items"`
	MaxLength   *int                         `json:"maxLength"`
	Minimum     *float64                     `json:"minimum"`
	Maximum     *float64                     `json:"maximum"`
	MinItems    int                          `json:"minItems"`
	MaxItems    int                          `json:"maxItems"`
	I18n        map[string]map[string]string `json:"x-i18n"`
	UI          rawUI                        `json:"x-ui"`
}

type rawUI struct {
	Widget       string          `json:"widget"`
	Help         Text            `json:"help"`
	Order        []string        `json:"order"`
	Autocomplete string          `json:"autocomplete"`
	Errors       map[string]Text `json:"errors"`
	AddLabel     Text            `json:"addLabel"`
	RemoveLabel  Text            `json:"removeLabel"`
	ItemTitle    Text            `json:"itemTitle"`
	Accept       []string        `json:"accept"`
	MaxSize      *int64          `json:"maxSize"`
	Pages        []struct {
		Title  Text     `json:"title"`
		Fields []string `json:"fields"`
	} `json:"pages"`
}

var widgets = map[string]bool{
	"text": true, "textarea": true, "email": true, "tel": true, "date": true,
	"number": true, "select": true, "radio": true, "checkbox": true, "hidden": true,
	"file": true, "checkboxes": true, "list": true,
}

// builder turns raw nodes into Nodes and collects every problem it finds, so that a
// form author sees all of them at once.
type builder struct {
	root     json.RawMessage
	problems []string
	depth    int
}

func (b *builder) problem(path, format string, args ...any) {
	b.problems = append(b.problems, path+": "+fmt.Sprintf(format, args...))
}

// text joins a standard keyword's Finnish text with its x-i18n translations.
func (b *builder) text(path, keyword, fi string, i18n map[string]map[string]string) Text {
	if fi == "" {
		return nil
	}
	t := Text{"fi": fi}
	for _, lang := range []string{"sv", "en"} {
		s := i18n[lang][keyword]
		if strings.TrimSpace(s) == "" {
			b.problem(path, "%s has no %s translation in x-i18n", keyword, lang)
			continue
		}
		t[lang] = s
	}
	return t
}

// own checks a text of our own keywords: all three languages, none empty.
func (b *builder) own(path, keyword string, t Text) Text {
	if t == nil {
		return nil
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if strings.TrimSpace(t[lang]) == "" {
			b.problem(path, "%s has no %s text", keyword, lang)
		}
	}
	return t
}

func (b *builder) node(path, name string, raw json.RawMessage) *Node {
	if Pace != nil {
		Pace()
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > 32 {
		b.problem(path, "nested too deep (a $ref loop?)")
		return &Node{Name: name}
	}
	var r rawNode
	if err := decodeShallow(raw, &r, map[string]*json.RawMessage{
		"properties": &r.Properties, "items": &r.Items,
		// the conditions' own reading: see conditions
		"allOf": nil, "if": nil, "then": nil, "else": nil, "dependencies": nil, "definitions": nil,
	}); err != nil {
		b.problem(path, "%v", err)
		return &Node{Name: name}
	}
	if r.Ref != "" {
		resolved, err := b.resolve(r.Ref)
		if err != nil {
			b.problem(path, "%v", err)
			return &Node{Name: name}
		}
		return b.node(path, name, resolved)
	}
	n := &Node{
		Name:         name,
		Type:         r.Type,
		Title:        b.text(path, "title", r.Title, r.I18n),
		Description:  b.text(path, "description", r.Description, r.I18n),
		Help:         b.own(path, "x-ui.help", r.UI.Help),
		Widget:       r.UI.Widget,
		Format:       r.Format,
		Autocomplete: r.UI.Autocomplete,
		ReadOnly:     r.ReadOnly,
		Prefill:      r.Prefill,
		Examples:     r.Examples,
		Default:      r.Default,
		Minimum:      r.Minimum,
		Maximum:      r.Maximum,
		MinItems:     r.MinItems,
		MaxItems:     r.MaxItems,
		AddLabel:     b.own(path, "x-ui.addLabel", r.UI.AddLabel),
		RemoveLabel:  b.own(path, "x-ui.removeLabel", r.UI.RemoveLabel),
		ItemTitle:    b.own(path, "x-ui.itemTitle", r.UI.ItemTitle),
	}
	if r.MaxLength != nil {
		n.MaxLength = *r.MaxLength
	}
	if len(r.UI.Errors) > 0 {
		n.Errors = make(map[string]Text, len(r.UI.Errors))
		for code, t := range r.UI.Errors {
			n.Errors[code] = b.own(path, "x-ui.errors."+code, t)
		}
	}
	if name != "" && n.Title == nil {
		b.problem(path, "has no title: every field needs a label")
	}
	if n.Format != "" && !knownFormats[n.Format] {
		b.problem(path, "unknown format %q", n.Format)
	}
	if n.Widget != "" && !widgets[n.Widget] {
		b.problem(path, "unknown x-ui.widget %q", n.Widget)
	}
	b.fileOptions(path, n, r.UI)
	b.prefill(path, n)
	for _, v := range r.Enum {
		n.Options = append(n.Options, Option{Value: v, Label: Text{"fi": fmt.Sprint(v), "sv": fmt.Sprint(v), "en": fmt.Sprint(v)}})
	}
	for i, o := range r.OneOf {
		if o.Const == nil {
			b.problem(path, "oneOf[%d] has no const: only lists of options are supported", i)
			continue
		}
		var v any
		_ = json.Unmarshal(*o.Const, &v)
		label := b.text(fmt.Sprintf("%s/oneOf/%d", path, i), "title", o.Title, o.I18n)
		if label == nil {
			b.problem(path, "oneOf[%d] has no title", i)
			label = Text{"fi": fmt.Sprint(v)}
		}
		n.Options = append(n.Options, Option{Value: v, Label: label})
	}

	switch n.Type {
	case "object":
		var members []member
		var err error
		if len(r.Properties) > 0 {
			members, err = objectMembers(r.Properties)
		}
		declared := make(map[string]bool, len(members))
		for _, m := range members {
			declared[m.key] = true
		}
		conds, extra := b.conditions(path, raw, declared)
		if err != nil {
			b.problem(path, "properties: %v", err)
		} else {
			n.Properties = b.properties(path, r, members, extra)
		}
		n.Conditions = conds
		markConditional(n)
	case "array":
		if len(r.Items) == 0 {
			b.problem(path, "array has no items schema")
			break
		}
		n.Items = b.node(path+"/items", "", r.Items)
		if n.Items.Title == nil {
			b.problem(path+"/items", "has no title")
		}
	case "string", "number", "integer", "boolean":
	case "":
		if len(n.Options) == 0 {
			b.problem(path, "has no type")
		}
	default:
		b.problem(path, "unsupported type %q", n.Type)
	}
	return n
}

// properties builds an object's fields (members, its properties as written) in
// x-ui.order, else in the file's order, the fields that only its conditions declare
// (extra) after its own.
func (b *builder) properties(path string, r rawNode, members []member, extra []*Node) []*Node {
	var keys []string
	props := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		keys = append(keys, m.key)
		props[m.key] = m.value
	}
	built := map[string]*Node{}
	for _, e := range extra {
		keys = append(keys, e.Name)
		built[e.Name] = e
	}
	if len(keys) == 0 {
		return nil
	}
	if len(r.UI.Order) > 0 {
		seen := map[string]bool{}
		ordered := make([]string, 0, len(keys))
		for _, k := range r.UI.Order {
			if _, ok := props[k]; !ok && built[k] == nil {
				b.problem(path, "x-ui.order names unknown property %q", k)
				continue
			}
			seen[k] = true
			ordered = append(ordered, k)
		}
		for _, k := range keys {
			if !seen[k] {
				ordered = append(ordered, k)
			}
		}
		keys = ordered
	}
	required := map[string]bool{}
	for _, k := range r.Required {
		required[k] = true
	}
	nodes := make([]*Node, 0, len(keys))
	for _, k := range keys {
		n := built[k]
		if n == nil {
			n = b.node(path+"/properties/"+k, k, props[k])
		}
		n.Required = required[k]
		nodes = append(nodes, n)
	}
	return nodes
}

// resolve follows a local JSON pointer reference ("#/definitions/person").
func (b *builder) resolve(ref string) (json.RawMessage, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q: only references inside the file (#/...) are allowed", ref)
	}
	cur := b.root
	for _, seg := range strings.Split(ref[2:], "/") {
		seg = unescapePointer(seg)
		members, err := objectMembers(cur)
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		var next json.RawMessage
		for _, m := range members {
			if m.key == seg { // the last one, as a decoded object has it
				next = m.value
			}
		}
		if next == nil {
			return nil, fmt.Errorf("$ref %q: %q not found", ref, seg)
		}
		cur = next
	}
	return cur, nil
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Pointer joins JSON pointer segments, escaping them.
func Pointer(base string, segs ...any) string {
	var sb strings.Builder
	sb.WriteString(base)
	for _, s := range segs {
		sb.WriteByte('/')
		switch v := s.(type) {
		case int:
			sb.WriteString(strconv.Itoa(v))
		default:
			sb.WriteString(escapePointer(fmt.Sprint(v)))
		}
	}
	return sb.String()
}

// Segments splits a JSON pointer into unescaped segments.
func Segments(pointer string) []string {
	if pointer == "" || pointer == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	for i, p := range parts {
		parts[i] = unescapePointer(p)
	}
	return parts
}

// Lookup returns the node that describes the value at pointer, or nil. Array indexes
// lead to the item schema.
func (n *Node) Lookup(pointer string) *Node {
	cur := n
	for _, seg := range Segments(pointer) {
		switch cur.Type {
		case "object":
			cur = cur.Property(seg)
		case "array":
			cur = cur.Items
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// FileTypes are the types of file a file field can take, by the names x-ui.accept uses:
// pdf, jpg (also .jpeg), png, doc, docx, xls, xlsx, txt (UTF-8) and zip.
var FileTypes = []string{"pdf", "jpg", "png", "doc", "docx", "xls", "xlsx", "txt", "zip"}

// fileExtensions are the name extensions of each file type.
var fileExtensions = map[string][]string{
	"pdf": {"pdf"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}, "doc": {"doc"}, "docx": {"docx"},
	"xls": {"xls"}, "xlsx": {"xlsx"}, "txt": {"txt"}, "zip": {"zip"},
}

// FileTypeOf is the file type of a file name by its extension ("jpg" for kuva.JPEG), or
// "" for none of FileTypes: what a form checks before uploading, and the server again
// (with the content) after.
func FileTypeOf(name string) string {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 || strings.ContainsAny(name[dot:], "/\\") {
		return ""
	}
	ext := strings.ToLower(name[dot+1:])
	for t, exts := range fileExtensions {
		if slices.Contains(exts, ext) {
			return t
		}
	}
	return ""
}

// Extensions are the name extensions of the given file types, in their order, with a
// dot: what a file control's accept attribute lists (".jpg,.jpeg,.png").
func Extensions(types []string) []string {
	var out []string
	for _, t := range types {
		for _, e := range fileExtensions[t] {
			out = append(out, "."+e)
		}
	}
	return out
}

// MaxFileSize is the largest file any field takes (20 MB), and the default x-ui.maxSize.
const MaxFileSize = 20 << 20

// fileOptions reads a file field's x-ui.accept and x-ui.maxSize, filling in defaults.
func (b *builder) fileOptions(path string, n *Node, ui rawUI) {
	if n.Widget != "file" {
		if ui.Accept != nil || ui.MaxSize != nil {
			b.problem(path, "x-ui.accept and x-ui.maxSize are for file fields (x-ui.widget file)")
		}
		return
	}
	if n.Type != "string" {
		b.problem(path, "a file field is of type string (it holds the upload's id); for several files use an array of file fields")
	}
	n.Accept = FileTypes
	if ui.Accept != nil {
		if len(ui.Accept) == 0 {
			b.problem(path, "x-ui.accept is empty: leave it out to take every type")
		}
		seen := map[string]bool{}
		for _, t := range ui.Accept {
			switch {
			case !slices.Contains(FileTypes, t):
				b.problem(path, "x-ui.accept: unknown file type %q (known: %s)", t, strings.Join(FileTypes, ", "))
			case seen[t]:
				b.problem(path, "x-ui.accept names %q twice", t)
			}
			seen[t] = true
		}
		n.Accept = ui.Accept
	}
	n.MaxSize = MaxFileSize
	if ui.MaxSize != nil {
		if *ui.MaxSize < 1 || *ui.MaxSize > MaxFileSize {
			b.problem(path, "x-ui.maxSize must be 1 to %d bytes (20 MB)", MaxFileSize)
		}
		n.MaxSize = *ui.MaxSize
	}
}

// FileRef is a file a document refers to: the upload id in a file field.
type FileRef struct {
	Pointer string
	ID      string
}

// Files lists the files a decoded document refers to, in the document's order: the
// non-empty strings in its file fields. A case stores them with it (see the upload API).
func (n *Node) Files(doc any) []FileRef {
	var out []FileRef
	n.Walk(doc, func(f *Node, v any, pointer string) bool {
		if id, ok := v.(string); ok && f.Widget == "file" && id != "" {
			out = append(out, FileRef{Pointer: pointer, ID: id})
		}
		return true
	})
	return out
}

// Walk visits a decoded document along the form model, in the form's order: each value
// with its node and JSON pointer. visit returns false to skip what a value holds. Keys
// the form does not know are not visited.
func (n *Node) Walk(doc any, visit func(n *Node, v any, pointer string) bool) {
	n.walk(doc, "", visit)
}

func (n *Node) walk(v any, pointer string, visit func(*Node, any, string) bool) {
	if n == nil || !visit(n, v, pointer) {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, p := range n.Properties {
			if c, ok := t[p.Name]; ok {
				p.walk(c, Pointer(pointer, p.Name), visit)
			}
		}
	case []any:
		for i, c := range t {
			n.Items.walk(c, Pointer(pointer, i), visit)
		}
	}
}
