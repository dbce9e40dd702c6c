// Package kv is the seam between the portal's storage rules (package store) and the
// engines that keep the bytes: an ordered key-value store with serializable
// transactions. Two engines implement it: leveldbkv, embedded, the default, and
// postgreskv, which several server instances share. Every engine passes the one
// conformance suite in kvtest.
//
// What an engine guarantees:
//   - Update runs fn as if no other transaction ran at the same time (serializable), and
//     its writes are all there or none; when Update returns nil they are durable
//     (unless the transaction said Lazy).
//   - fn may run more than once (after a conflict with another transaction), so it must
//     not have effects outside the transaction, and it sees its own writes.
//   - Scan visits keys in byte order.
package kv

import (
	"context"
	"errors"
)

// ErrNotFound is a key with no value.
var ErrNotFound = errors.New("kv: not found")

// ErrClosed is a call after Close.
var ErrClosed = errors.New("kv: closed")

// Reader reads keys.
type Reader interface {
	// Get returns the value of key, or ErrNotFound. The value may not be kept past the
	// transaction: copy it.
	Get(key []byte) ([]byte, error)
	// Scan calls fn for each key with the prefix, from start (nil: the first) in byte
	// order, at most limit keys (0: all); fn's slices are valid only during the call. A
	// non-nil error from fn stops the scan and is returned.
	Scan(prefix, start []byte, limit int, fn func(key, value []byte) error) error
}

// Tx is a transaction: reads see the transaction's own writes.
type Tx interface {
	Reader
	Put(key, value []byte)
	Delete(key []byte)
	// Lazy says the writes may be lost in a crash right after Update returns (a session's
	// last activity), in exchange for not waiting for the disk.
	Lazy()
}

// Engine is an ordered key-value store. It is safe for concurrent use.
type Engine interface {
	// View runs fn on a consistent snapshot.
	View(ctx context.Context, fn func(Reader) error) error
	// Update runs fn in a serializable transaction and commits its writes, durably,
	// unless fn returns an error, which Update then returns.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the engine; later calls return ErrClosed.
	Close() error
}

// PrefixEnd is the first key after every key with the prefix; nil when there is none.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
