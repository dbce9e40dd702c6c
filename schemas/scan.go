package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// A form's schema is read level by level: each node's own members, then its fields,
// each of them a node again. Decoding a node with encoding/json scans and copies
// everything under it, so every level paid for the whole of what it holds, and the
// browser client parses its form as it starts. So an object is split into its members
// here in one scan over it, and the decoder gets only the small ones.
//
// The scan trusts that it reads valid JSON (Parse has the decoder check the whole
// file first); what it does not recognise goes to the decoder, as before, with its
// errors.

// member is one member of a JSON object, as written.
type member struct {
	key    string
	rawKey []byte // the key as written, quoted
	value  json.RawMessage
}

// objectMembers returns a JSON object's members in the order they are written,
// duplicates included.
func objectMembers(raw json.RawMessage) ([]member, error) {
	if members, ok := scanObject(raw); ok {
		return members, nil
	}
	return decodeMembers(raw)
}

// arrayElems returns a JSON array's elements, as written.
func arrayElems(raw json.RawMessage) ([]json.RawMessage, error) {
	if elems, ok := scanArray(raw); ok {
		return elems, nil
	}
	var elems []json.RawMessage
	err := json.Unmarshal(raw, &elems)
	return elems, err
}

// decodeMembers is objectMembers with a JSON decoder.
func decodeMembers(raw json.RawMessage) ([]member, error) {
	var whole any
	if err := json.Unmarshal(raw, &whole); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object")
	}
	var members []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		key := t.(string)
		rawKey, _ := json.Marshal(key)
		members = append(members, member{key: key, rawKey: rawKey, value: value})
	}
	return members, nil
}

// decodeShallow decodes the JSON object raw into v, except the members that deep
// names, matched as encoding/json matches a field's name (its case ignored): each of
// those it stores as written where deep points, or drops where deep holds nil. v's
// fields that deep points to must carry those names, for what goes to the decoder
// whole.
func decodeShallow(raw json.RawMessage, v any, deep map[string]*json.RawMessage) error {
	members, ok := scanObject(raw)
	if !ok {
		return json.Unmarshal(raw, v)
	}
	small := make([]byte, 0, 512)
	small = append(small, '{')
	for _, m := range members {
		if dst, isDeep := deepMember(deep, m.key); isDeep {
			if dst != nil {
				*dst = m.value
			}
			continue
		}
		if len(small) > 1 {
			small = append(small, ',')
		}
		small = append(small, m.rawKey...)
		small = append(small, ':')
		small = append(small, m.value...)
	}
	small = append(small, '}')
	return json.Unmarshal(small, v)
}

func deepMember(deep map[string]*json.RawMessage, key string) (*json.RawMessage, bool) {
	if dst, ok := deep[key]; ok {
		return dst, true
	}
	for name, dst := range deep {
		if strings.EqualFold(name, key) {
			return dst, true
		}
	}
	return nil, false
}

// scanObject reads a JSON object's members in one pass over it; ok is false for
// anything it does not recognise as one.
func scanObject(raw []byte) (members []member, ok bool) {
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '{' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil, skipSpace(raw, i+1) == len(raw)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return nil, false
		}
		end, escaped := stringEnd(raw, i)
		if end < 0 {
			return nil, false
		}
		rawKey := raw[i : end+1]
		key := string(raw[i+1 : end])
		if escaped && json.Unmarshal(rawKey, &key) != nil {
			return nil, false
		}
		i = skipSpace(raw, end+1)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
		vend := valueEnd(raw, i)
		if vend < 0 {
			return nil, false
		}
		members = append(members, member{key: key, rawKey: rawKey, value: raw[i:vend:vend]})
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return members, skipSpace(raw, i+1) == len(raw)
		default:
			return nil, false
		}
	}
}

// scanArray reads a JSON array's elements in one pass over it, as scanObject does an
// object's members.
func scanArray(raw []byte) (elems []json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '[' {
		return nil, false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return nil, skipSpace(raw, i+1) == len(raw)
	}
	for {
		end := valueEnd(raw, i)
		if end < 0 {
			return nil, false
		}
		elems = append(elems, raw[i:end:end])
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return nil, false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			return elems, skipSpace(raw, i+1) == len(raw)
		default:
			return nil, false
		}
	}
}

// valueEnd returns the index just past the JSON value that starts at raw[i], or -1.
func valueEnd(raw []byte, i int) int {
	if i >= len(raw) {
		return -1
	}
	switch raw[i] {
	case '"':
		end, _ := stringEnd(raw, i)
		if end < 0 {
			return -1
		}
		return end + 1
	case '{', '[':
		depth := 0
		for ; i < len(raw); i++ {
			switch raw[i] {
			case '"':
				end, _ := stringEnd(raw, i)
				if end < 0 {
					return -1
				}
				i = end
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	case ',', ':', '}', ']':
		return -1
	default: // a number, true, false or null
		j := i
		for j < len(raw) {
			switch raw[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}

// stringEnd returns the index of the quote that ends the JSON string starting at
// raw[start], or -1, and whether the string holds an escape.
func stringEnd(raw []byte, start int) (int, bool) {
	escaped := false
	for i := start + 1; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i, escaped
		}
	}
	return -1, escaped
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}
