// Package files keeps the files residents send with their forms (attachments): bytes
// streamed in once, read back whole, deleted. It never holds a whole file in memory.
//
// Two stores implement Store: Dir, files in a directory (DATA_DIR/files next to the
// embedded LevelDB, one instance), and KV, files cut into chunks in the kv engine (the
// PostgreSQL that several instances share). Both pass the same suite (files_test.go).
// Records shows a Dir's files as the records KV would keep, so that backups and copies
// between engines carry them (records.go).
//
// The store keeps bytes only. What a file is (its name, type, owner, the form field and
// the case it belongs to) is the upload record of package store, written under the
// same id; ids come from NewID, so that the record can exist before the bytes do and a
// sweeper can remove what an interrupted upload left, by id.
package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
)

var (
	// ErrTooLarge is a file over the largest size allowed; nothing of it is kept.
	ErrTooLarge = errors.New("files: file too large")
	// ErrNotFound is an id with no (complete) file.
	ErrNotFound = errors.New("files: not found")
	// ErrExists is a Put under an id already in use.
	ErrExists = errors.New("files: id already used")
	// ErrBadID is an id that NewID could not have made.
	ErrBadID = errors.New("files: invalid id")
)

// Info describes a stored file.
type Info struct {
	ID     string
	Size   int64
	SHA256 string // hex
}

// Store keeps files. It is safe for concurrent use.
type Store interface {
	// Put streams r into a new file under id (from NewID) and returns its size and
	// SHA-256. A file over max bytes is ErrTooLarge. On any error nothing stays
	// visible, and what was written is removed (or, after a crash, by Delete(id)).
	// The file exists, durably, only once Put returns nil.
	Put(ctx context.Context, id string, r io.Reader, max int64) (Info, error)
	// Open reads a file from its start; ErrNotFound if there is none.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes a file and whatever an unfinished Put of that id left; no error
	// if there is nothing.
	Delete(ctx context.Context, id string) error
}

// idLen is the length of an id: 16 random bytes in lower-case hex, safe as a file name
// on every file system and in keys.
const idLen = 32

// NewID returns a fresh random id.
func NewID() string {
	b := make([]byte, idLen/2)
	if _, err := rand.Read(b); err != nil {
		panic("files: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// ValidID reports whether id is one NewID could have made: nothing else reaches a path
// or a key.
func ValidID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// copyBuf is the size of each read while streaming.
const copyBuf = 64 << 10

// fill reads into buf until it is full, r ends, or ctx is done: a full chunk or the
// last one. It returns io.EOF only when nothing was read.
func fill(ctx context.Context, r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf[n:min(len(buf), n+copyBuf)])
		n += m
		if err == io.EOF {
			if n == 0 {
				return 0, io.EOF
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
