package ui

import (
	"strconv"

	"github.com/lomake/lomake/schemas"
)

// A form's document is plain decoded JSON: map[string]any, []any, string, float64, bool.
// These helpers read and write it by JSON pointer segments.

func getAt(doc any, segs []string) any {
	cur := doc
	for _, s := range segs {
		switch t := cur.(type) {
		case map[string]any:
			cur = t[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}

// setAt stores v at segs, creating objects and arrays on the way; v == nil removes the
// value, so that an emptied field counts as missing for `required`.
func setAt(doc map[string]any, segs []string, v any) {
	if len(segs) == 0 {
		return
	}
	var parent any = doc
	for i, s := range segs[:len(segs)-1] {
		next := getAt(parent, []string{s})
		if next == nil {
			if _, err := strconv.Atoi(segs[i+1]); err == nil {
				next = []any{}
			} else {
				next = map[string]any{}
			}
			parent = put(parent, s, next)
			if parent == nil {
				return
			}
		}
		parent = getAt(parent, []string{s})
	}
	put(parent, segs[len(segs)-1], v)
}

// put sets one key or index and returns the container. Arrays are only written in place
// (items are added with appendAt), so slices never need to be re-linked to their parent.
func put(container any, key string, v any) any {
	switch t := container.(type) {
	case map[string]any:
		if v == nil {
			delete(t, key)
		} else {
			t[key] = v
		}
		return t
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(t) {
			return nil
		}
		t[i] = v
		return t
	}
	return nil
}

// appendAt adds an item to the array at segs (creating it) and returns the new length.
func appendAt(doc map[string]any, segs []string, item any) int {
	arr, _ := getAt(doc, segs).([]any)
	arr = append(arr, item)
	setAt(doc, segs, arr)
	return len(arr)
}

// removeAt removes item i of the array at segs.
func removeAt(doc map[string]any, segs []string, i int) {
	arr, _ := getAt(doc, segs).([]any)
	if i < 0 || i >= len(arr) {
		return
	}
	out := append(append([]any{}, arr[:i]...), arr[i+1:]...)
	setAt(doc, segs, out)
}

// defaults builds a new document (or array item) from the schema's `default`s.
func defaults(n *schemas.Node) any {
	switch n.Type {
	case "object":
		m := map[string]any{}
		for _, p := range n.Properties {
			if v := defaults(p); v != nil {
				m[p.Name] = v
			}
		}
		return m
	case "array":
		if n.MinItems > 0 && n.Items != nil && !isGroup(n) { // a group starts with no box ticked
			arr := make([]any, n.MinItems)
			for i := range arr {
				arr[i] = defaults(n.Items)
			}
			return arr
		}
		return n.Default
	default:
		return n.Default
	}
}
