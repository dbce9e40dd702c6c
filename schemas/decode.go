package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of a JSON document, whoever sends it. A real form is a few hundred values a
// few levels deep; the limits leave room for long lists while keeping the cost of
// validating the worst document small and bounded.
const (
	MaxDepth     = 32    // nested objects and arrays
	MaxValues    = 5_000 // values of any kind, keys not counted
	MaxNumberLen = 64    // characters of one number
	maxExponent  = 400   // |e| of a number: float64 ends near 1e308 and 5e-324
	// MaxDigits is the significant digits of a number: up to 15, every decimal survives
	// a trip through float64, so the browser (float64) and the server (exact decimals)
	// judge the same number against the same limits.
	MaxDigits = 15
)

// ErrInvalidJSON reports a document that is not acceptable JSON. Errors from CheckJSON
// wrap it in a *JSONError that says why.
var ErrInvalidJSON = errors.New("schemas: invalid JSON")

// JSONError says why a document was refused. Code is stable and names a message:
// "syntax", "utf8", "duplicateKey", "numberRange", "numberPrecision", "depth",
// "tooManyValues".
type JSONError struct {
	Code   string
	Offset int // bytes from the start
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("schemas: invalid JSON at byte %d: %s", e.Offset, e.Code)
}

func (e *JSONError) Unwrap() error { return ErrInvalidJSON }

// CheckJSON accepts exactly one JSON value that means the same to every reader: valid
// UTF-8, no object with the same key twice (readers disagree on which one wins), numbers
// a float64 holds (so the browser and the server read the same number, and no validator
// spends seconds on 1e999999), and the limits above. It allocates little and runs in
// time linear in len(data).
func CheckJSON(data []byte) error {
	c := jsonChecker{data: data}
	c.space()
	if err := c.value(0); err != nil {
		return err
	}
	c.space()
	if c.pos != len(c.data) {
		return c.fail("syntax")
	}
	return nil
}

// DecodeJSON checks data with CheckJSON and then decodes it into v.
func DecodeJSON(data []byte, v any) error {
	if err := CheckJSON(data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		// Valid JSON of the wrong shape for v: a string where a number belongs.
		return &JSONError{Code: "syntax"}
	}
	return nil
}

type jsonChecker struct {
	data   []byte
	pos    int
	values int
}

func (c *jsonChecker) fail(code string) error { return &JSONError{Code: code, Offset: c.pos} }

func (c *jsonChecker) space() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonChecker) value(depth int) error {
	if c.values++; c.values > MaxValues {
		return c.fail("tooManyValues")
	}
	if c.pos >= len(c.data) {
		return c.fail("syntax")
	}
	switch b := c.data[c.pos]; {
	case b == '{':
		return c.object(depth + 1)
	case b == '[':
		return c.array(depth + 1)
	case b == '"':
		_, err := c.str(false)
		return err
	case b == '-' || '0' <= b && b <= '9':
		return c.number()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(c.data)-c.pos >= len(lit) && string(c.data[c.pos:c.pos+len(lit)]) == lit {
				c.pos += len(lit)
				return nil
			}
		}
		return c.fail("syntax")
	}
}

func (c *jsonChecker) object(depth int) error {
	if depth > MaxDepth {
		return c.fail("depth")
	}
	c.pos++ // {
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == '}' {
		c.pos++
		return nil
	}
	// Keys are compared decoded ("a" and "\u0061" are one key). Most objects have a
	// handful of keys, for which a slice beats a map.
	var keys []string
	var seen map[string]bool
	for {
		if c.pos >= len(c.data) || c.data[c.pos] != '"' {
			return c.fail("syntax")
		}
		start := c.pos
		key, err := c.str(true)
		if err != nil {
			return err
		}
		dup := false
		if seen != nil {
			dup = seen[key]
			seen[key] = true
		} else {
			for _, k := range keys {
				dup = dup || k == key
			}
			keys = append(keys, key)
			if len(keys) > 16 {
				seen = make(map[string]bool, 2*len(keys))
				for _, k := range keys {
					seen[k] = true
				}
			}
		}
		if dup {
			c.pos = start
			return c.fail("duplicateKey")
		}
		c.space()
		if c.pos >= len(c.data) || c.data[c.pos] != ':' {
			return c.fail("syntax")
		}
		c.pos++
		c.space()
		if end, err := c.member(depth, '}'); end || err != nil {
			return err
		}
	}
}

func (c *jsonChecker) array(depth int) error {
	if depth > MaxDepth {
		return c.fail("depth")
	}
	c.pos++ // [
	c.space()
	if c.pos < len(c.data) && c.data[c.pos] == ']' {
		c.pos++
		return nil
	}
	for {
		if end, err := c.member(depth, ']'); end || err != nil {
			return err
		}
	}
}

// member checks one value of an object or array and what follows it: a comma (more to
// come) or the closing bracket (end).
func (c *jsonChecker) member(depth int, closing byte) (end bool, err error) {
	if err := c.value(depth); err != nil {
		return false, err
	}
	c.space()
	switch {
	case c.pos >= len(c.data):
		return false, c.fail("syntax")
	case c.data[c.pos] == ',':
		c.pos++
		c.space()
		return false, nil
	case c.data[c.pos] == closing:
		c.pos++
		return true, nil
	}
	return false, c.fail("syntax")
}

// str checks a string at c.pos and, when decode is set, returns its value (for keys).
func (c *jsonChecker) str(decode bool) (string, error) {
	c.pos++ // opening quote
	start := c.pos
	escaped := false
	for c.pos < len(c.data) {
		b := c.data[c.pos]
		switch {
		case b == '"':
			s := c.data[start:c.pos]
			c.pos++
			if !decode {
				return "", nil
			}
			if !escaped {
				return string(s), nil
			}
			var out string
			if err := json.Unmarshal(c.data[start-1:c.pos], &out); err != nil {
				return "", c.fail("syntax")
			}
			return out, nil
		case b == '\\':
			escaped = true
			if c.pos+1 >= len(c.data) {
				return "", c.fail("syntax")
			}
			switch c.data[c.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.pos += 2
			case 'u':
				if c.pos+6 > len(c.data) {
					return "", c.fail("syntax")
				}
				for _, h := range c.data[c.pos+2 : c.pos+6] {
					if !isHex(h) {
						return "", c.fail("syntax")
					}
				}
				c.pos += 6
			default:
				return "", c.fail("syntax")
			}
		case b < 0x20:
			return "", c.fail("syntax")
		case b < utf8.RuneSelf:
			c.pos++
		default:
			r, size := utf8.DecodeRune(c.data[c.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", c.fail("utf8")
			}
			c.pos += size
		}
	}
	return "", c.fail("syntax")
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// number checks a number's grammar and that a float64 holds it: no overflow to
// infinity, no non-zero number that rounds to zero, no absurd exponent or length.
func (c *jsonChecker) number() error {
	start := c.pos
	if c.data[c.pos] == '-' {
		c.pos++
	}
	nonzero := false
	digits := func() int {
		n := 0
		for c.pos < len(c.data) && '0' <= c.data[c.pos] && c.data[c.pos] <= '9' {
			nonzero = nonzero || c.data[c.pos] != '0'
			c.pos++
			n++
		}
		return n
	}
	if c.pos < len(c.data) && c.data[c.pos] == '0' {
		c.pos++
	} else if digits() == 0 {
		return c.fail("syntax")
	}
	if c.pos < len(c.data) && c.data[c.pos] == '.' {
		c.pos++
		if digits() == 0 {
			return c.fail("syntax")
		}
	}
	mantissaNonzero := nonzero
	if significantDigits(c.data[start:c.pos]) > MaxDigits {
		c.pos = start
		return c.fail("numberPrecision")
	}
	if c.pos < len(c.data) && (c.data[c.pos] == 'e' || c.data[c.pos] == 'E') {
		c.pos++
		if c.pos < len(c.data) && (c.data[c.pos] == '+' || c.data[c.pos] == '-') {
			c.pos++
		}
		expStart := c.pos
		if digits() == 0 {
			return c.fail("syntax")
		}
		// Leading zeros make a long exponent small; anything past 5 digits is absurd.
		exp := c.data[expStart:c.pos]
		for len(exp) > 1 && exp[0] == '0' {
			exp = exp[1:]
		}
		if len(exp) > 5 {
			c.pos = start
			return c.fail("numberRange")
		}
		if n, _ := strconv.Atoi(string(exp)); n > maxExponent {
			c.pos = start
			return c.fail("numberRange")
		}
	}
	lit := c.data[start:c.pos]
	if len(lit) > MaxNumberLen {
		c.pos = start
		return c.fail("numberRange")
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || (f == 0 && mantissaNonzero) {
		c.pos = start
		return c.fail("numberRange")
	}
	return nil
}

// Precise reports whether a number written as text keeps every digit through float64
// (at most MaxDigits significant digits), as CheckJSON demands of a document: the form
// keeps a longer number as typed, for its field to say so, rather than send one the
// server refuses or judge a rounded value.
func Precise(number string) bool {
	mantissa := number
	if i := strings.IndexAny(number, "eE"); i >= 0 {
		mantissa = number[:i]
	}
	return significantDigits([]byte(mantissa)) <= MaxDigits
}

// significantDigits counts the digits of a number's mantissa between its first and last
// non-zero digit.
func significantDigits(mantissa []byte) int {
	first, last := -1, -1
	n := 0
	for _, b := range mantissa {
		if b < '0' || b > '9' {
			continue
		}
		if b != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	if first < 0 {
		return 0
	}
	return last - first + 1
}
