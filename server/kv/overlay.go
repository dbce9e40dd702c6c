package kv

import (
	"bytes"
	"sort"
)

// Both engines buffer a transaction's writes until its group commits. The transaction
// reads through them: its own writes first, then those of the group's transactions
// before it, then what is stored.

// Entry is a write not yet committed: a value, or a deletion.
type Entry struct {
	Value   []byte
	Deleted bool
}

// Overlay is writes not yet committed, by key.
type Overlay map[string]Entry

// Lookup returns what the overlays wrote to key, the first that wrote it winning: the
// value, or ErrNotFound for a deletion. ok is false if none wrote it: what is stored
// stands.
func Lookup(key []byte, overlays ...Overlay) (value []byte, ok bool, err error) {
	for _, o := range overlays {
		if e, found := o[string(key)]; found {
			if e.Deleted {
				return nil, true, ErrNotFound
			}
			return e.Value, true, nil
		}
	}
	return nil, false, nil
}

// Iterator is an engine's scan of stored keys in byte order (LevelDB's iterator is one).
type Iterator interface {
	Next() bool // false at the end, and after an error
	Key() []byte
	Value() []byte
	Error() error
}

// Merge is what overlays wrote to the keys of a scan's range, in key order, to merge
// into the stored keys.
type Merge struct {
	keys    []string
	entries Overlay
}

// NewMerge collects what the overlays wrote to the keys with the prefix from start on
// (nil: the first), the first overlay that wrote a key winning.
func NewMerge(prefix, start []byte, overlays ...Overlay) *Merge {
	m := &Merge{entries: Overlay{}}
	for _, o := range overlays {
		for k, e := range o {
			if _, done := m.entries[k]; done || !bytes.HasPrefix([]byte(k), prefix) || k < string(start) {
				continue
			}
			m.entries[k] = e
			m.keys = append(m.keys, k)
		}
	}
	sort.Strings(m.keys)
	return m
}

// Len is how many keys of the range the overlays wrote.
func (m *Merge) Len() int { return len(m.keys) }

// Scan calls fn for each key that it and the overlays have, in byte order, at most
// limit keys (0: all): a written value replaces the stored one, and a deletion hides
// it. fn's slices are valid only during the call. A non-nil error from fn stops the
// scan and is returned; an error of it stops the scan too, and the caller reads it
// from it.
func (m *Merge) Scan(it Iterator, limit int, fn func(key, value []byte) error) error {
	n := 0
	// emit reports whether the scan goes on.
	emit := func(k, v []byte) (bool, error) {
		if err := fn(k, v); err != nil {
			return false, err
		}
		n++
		return limit == 0 || n < limit, nil
	}
	more := it.Next()
	for i := 0; (more || i < len(m.keys)) && it.Error() == nil; {
		if i < len(m.keys) && (!more || m.keys[i] <= string(it.Key())) {
			k := m.keys[i]
			i++
			if more && k == string(it.Key()) {
				more = it.Next() // the written value replaces the stored one
			}
			if e := m.entries[k]; !e.Deleted {
				if goOn, err := emit([]byte(k), e.Value); !goOn {
					return err
				}
			}
			continue
		}
		// The iterator's slices are valid until Next: use them first.
		if goOn, err := emit(it.Key(), it.Value()); !goOn {
			return err
		}
		more = it.Next()
	}
	return nil
}
