package schemas

import "strings"

// PrefillSources are what a field's x-prefill may name: what identification tells of
// the person, and their profile's contact details.
var PrefillSources = []string{
	"identity.personalIdentityCode", "identity.firstNames", "identity.lastName",
	"profile.email", "profile.phone",
}

// prefill checks a field's x-prefill: a known source, on a text field, not inside a
// list (a form has one applicant).
func (b *builder) prefill(path string, n *Node) {
	if n.Prefill == "" {
		return
	}
	known := false
	for _, s := range PrefillSources {
		known = known || s == n.Prefill
	}
	switch {
	case !known:
		b.problem(path, "x-prefill %q is not one of %s", n.Prefill, strings.Join(PrefillSources, ", "))
	case n.Type != "string":
		b.problem(path, "x-prefill needs a string field")
	case strings.Contains(path, "/items"):
		b.problem(path, "x-prefill cannot be used inside a list: a form has one applicant")
	}
}

// prefilled are the form's fields with x-prefill, by pointer.
func (s *Service) prefilled() map[string]*Node {
	s.prefillOnce.Do(func() {
		s.prefillAt = map[string]*Node{}
		var visit func(n *Node, ptr string)
		visit = func(n *Node, ptr string) {
			if n.Prefill != "" {
				s.prefillAt[ptr] = n
			}
			for _, c := range n.Properties {
				visit(c, Pointer(ptr, c.Name))
			}
		}
		visit(s.Form, "")
	})
	return s.prefillAt
}

// Prefill writes into doc the answers its fields take from the person (values, by
// source; see PrefillSources), over whatever was there. A source the person has no
// value for (no phone in the profile) leaves its field to the user.
func (s *Service) Prefill(doc map[string]any, values map[string]string) {
	for ptr, n := range s.prefilled() {
		v := values[n.Prefill]
		if v == "" {
			continue
		}
		cur := doc
		segs := Segments(ptr)
		for _, seg := range segs[:len(segs)-1] {
			next, ok := cur[seg].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[seg] = next
			}
			cur = next
		}
		cur[segs[len(segs)-1]] = v
	}
}

// PrefillLocked reports whether the field at ptr takes its answer from the person and
// values has it: the form shows it and does not let it be changed.
func (s *Service) PrefillLocked(ptr string, values map[string]string) bool {
	n := s.prefilled()[ptr]
	return n != nil && values[n.Prefill] != ""
}

// IsPrefilled reports whether the field at ptr takes its answer from the person.
func (s *Service) IsPrefilled(ptr string) bool { return s.prefilled()[ptr] != nil }

// Bound checks what the user cannot choose: a field filled in from the person must
// hold the person's own value (code "prefill": not another person's identity code),
// and a readOnly field its default (code "readOnly"). values are the sender's, by
// source.
func (s *Service) Bound(doc any, values map[string]string) []Violation {
	var out []Violation
	s.Form.Walk(doc, func(n *Node, v any, ptr string) bool {
		switch {
		case n.Prefill != "" && values[n.Prefill] != "":
			if v != values[n.Prefill] {
				out = append(out, Violation{Pointer: ptr, Code: "prefill"})
			}
		case n.ReadOnly && n.Type != "object" && n.Type != "array":
			if !equalJSON(v, n.Default) {
				out = append(out, Violation{Pointer: ptr, Code: "readOnly"})
			}
		}
		return true
	})
	s.Sort(out)
	return out
}
