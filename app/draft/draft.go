// Package draft holds the pure logic of drafts that the browser runs: merging two
// devices' edits field by field, and carrying a draft over to a changed schema.
package draft

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/lomake/lomake/schemas"
)

// Conflict is a field both devices changed differently; the user chooses.
type Conflict struct {
	Pointer string
	Local   any
	Remote  any
}

// Merge combines local and remote edits of the same draft, both made from base. A field
// changed on one side only takes that change; the same change on both sides is no
// conflict; different changes are conflicts, and until the user decides the merged
// draft keeps the local value, so nothing typed on this device is lost. Lists count as
// one field: their items shift when one is added or removed, so merging them item by
// item could join halves of different people.
func Merge(base, local, remote map[string]any) (map[string]any, []Conflict) {
	b, l, r := flatten(base), flatten(local), flatten(remote)
	keys := map[string]bool{}
	for _, m := range []map[string]any{b, l, r} {
		for k := range m {
			keys[k] = true
		}
	}
	merged := map[string]any{}
	var conflicts []Conflict
	for k := range keys {
		bv, lv, rv := b[k], l[k], r[k]
		var v any
		switch {
		case equal(lv, rv):
			v = lv
		case equal(lv, bv):
			v = rv
		case equal(rv, bv):
			v = lv
		default:
			v = lv
			conflicts = append(conflicts, Conflict{Pointer: k, Local: lv, Remote: rv})
		}
		if v != nil {
			set(merged, schemas.Segments(k), v)
		}
	}
	sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Pointer < conflicts[j].Pointer })
	return merged, conflicts
}

// Migrate carries a draft over to a service's current schema: fields the form still
// has, with a fitting kind of value, are kept; the pointers of the rest are returned so
// that the user can be told what no longer fits.
func Migrate(s *schemas.Service, doc map[string]any) (map[string]any, []string) {
	kept := map[string]any{}
	var dropped []string
	for ptr, v := range flatten(doc) {
		n := s.Form.Lookup(ptr)
		if n == nil || !fits(n, v) {
			dropped = append(dropped, ptr)
			continue
		}
		set(kept, schemas.Segments(ptr), v)
	}
	sort.Strings(dropped)
	return kept, dropped
}

func fits(n *schemas.Node, v any) bool {
	switch v.(type) {
	case string:
		return n.Type == "string" || n.Type == "number" || n.Type == "integer" // typed numbers are kept as text
	case float64:
		return n.Type == "number" || n.Type == "integer" || len(n.Options) > 0
	case bool:
		return n.Type == "boolean"
	case []any:
		return n.Type == "array"
	}
	return false
}

// flatten maps every leaf of a document (a scalar, or a whole list) to its pointer.
func flatten(doc map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, c := range m {
				walk(schemas.Pointer(ptr, k), c)
			}
			return
		}
		out[ptr] = v
	}
	for k, v := range doc {
		walk(schemas.Pointer("", k), v)
	}
	return out
}

func set(doc map[string]any, segs []string, v any) {
	for _, s := range segs[:len(segs)-1] {
		next, ok := doc[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[s] = next
		}
		doc = next
	}
	doc[segs[len(segs)-1]] = v
}

func equal(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	// Numbers may arrive as float64 or json.Number depending on who decoded them.
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// String shows a conflict for logs and tests.
func (c Conflict) String() string { return fmt.Sprintf("%s: %v / %v", c.Pointer, c.Local, c.Remote) }
