package template

import (
	"fmt"
	"reflect"
	"strings"
)

// FuncMap names functions for templates. Lomake's copy keeps the type so that callers
// compile, but its TextParser has no functions: a template that calls one is an error.
type FuncMap map[string]any

// TextParser is a Parser of text/template's field actions only: "{{.Name}}", with
// optional spaces inside the delimiters. Lomake's copy does not use text/template, whose
// reflective method calls make the Go linker keep every exported method of every type
// in the program (5.6 MB of the WebAssembly client). Any other action is an error.
type TextParser struct {
	LeftDelim  string
	RightDelim string
	Funcs      FuncMap
	Option     string
}

func (te *TextParser) Cacheable() bool {
	return te.Funcs == nil
}

func (te *TextParser) Parse(src, leftDelim, rightDelim string) (ParsedTemplate, error) {
	if leftDelim == "" {
		leftDelim = te.LeftDelim
	}
	if leftDelim == "" {
		leftDelim = "{{"
	}
	if !strings.Contains(src, leftDelim) {
		// Fast path to avoid parsing a template that has no actions.
		return &identityParsedTemplate{src: src}, nil
	}

	if rightDelim == "" {
		rightDelim = te.RightDelim
	}
	if rightDelim == "" {
		rightDelim = "}}"
	}

	var t parsedTextTemplate
	rest := src
	for {
		i := strings.Index(rest, leftDelim)
		if i < 0 {
			t.parts = append(t.parts, part{text: rest})
			break
		}
		t.parts = append(t.parts, part{text: rest[:i]})
		rest = rest[i+len(leftDelim):]
		j := strings.Index(rest, rightDelim)
		if j < 0 {
			return nil, fmt.Errorf("template %q: unclosed action", src)
		}
		action := strings.TrimSpace(rest[:j])
		rest = rest[j+len(rightDelim):]
		name, ok := strings.CutPrefix(action, ".")
		if !ok || name == "" || strings.ContainsAny(name, ". |()\"'$") {
			return nil, fmt.Errorf("template %q: action %q is not supported (only {{.Name}})", src, action)
		}
		t.parts = append(t.parts, part{field: name})
	}
	return &t, nil
}

type part struct {
	text  string
	field string // set for an action
}

type parsedTextTemplate struct {
	parts []part
}

func (t *parsedTextTemplate) Execute(data any) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == "" {
			b.WriteString(p.text)
			continue
		}
		v, err := field(data, p.field)
		if err != nil {
			return "", err
		}
		fmt.Fprint(&b, v)
	}
	return b.String(), nil
}

// field is data's field or map entry name, or "<no value>" for a missing map key as
// text/template's missingkey=default prints.
func field(data any, name string) (any, error) {
	switch d := data.(type) {
	case map[string]any:
		if v, ok := d[name]; ok {
			return v, nil
		}
		return "<no value>", nil
	case map[string]string:
		if v, ok := d[name]; ok {
			return v, nil
		}
		return "<no value>", nil
	}
	v := reflect.ValueOf(data)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, fmt.Errorf("template: field %q of nil data", name)
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
		if !e.IsValid() {
			return "<no value>", nil
		}
		return e.Interface(), nil
	case reflect.Struct:
		f, ok := v.Type().FieldByName(name)
		if !ok || !f.IsExported() {
			break
		}
		return v.FieldByIndex(f.Index).Interface(), nil
	}
	return nil, fmt.Errorf("template: can't evaluate field %s in type %T", name, data)
}
