package kv

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"sort"
	"strings"
)

// Stats describe a store's contents: how many keys of each kind (the key up to its first
// '/': case, user, session, …), the bytes of their values, and a checksum over every
// key and value in order. Two stores with equal Stats hold the same data.
type Stats struct {
	Kinds    map[string]int   `json:"kinds"`
	Bytes    map[string]int64 `json:"bytes"` // of the values, by kind
	Keys     int              `json:"keys"`
	Checksum string           `json:"sha256"`
}

// String lists the kinds in order, for people.
func (s Stats) String() string {
	names := make([]string, 0, len(s.Kinds))
	for k := range s.Kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s %d, ", k, s.Kinds[k])
	}
	fmt.Fprintf(&b, "%d keys, sha256 %s", s.Keys, s.Checksum)
	return b.String()
}

// summer accumulates Stats.
type summer struct {
	h     hash.Hash
	stats Stats
}

func newSummer() *summer {
	return &summer{h: sha256.New(), stats: Stats{Kinds: map[string]int{}, Bytes: map[string]int64{}}}
}

func (s *summer) add(k, v []byte) {
	var n [binary.MaxVarintLen64]byte
	s.h.Write(n[:binary.PutUvarint(n[:], uint64(len(k)))])
	s.h.Write(k)
	s.h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
	s.h.Write(v)
	kind, _, _ := bytes.Cut(k, []byte("/"))
	s.stats.Kinds[string(kind)]++
	s.stats.Bytes[string(kind)] += int64(len(v))
	s.stats.Keys++
}

func (s *summer) done() Stats {
	s.stats.Checksum = hex.EncodeToString(s.h.Sum(nil))
	return s.stats
}

// Side keeps some of a store's records outside its engine, as records in the layout
// the engine would keep them in: a LevelDB portal keeps its attachments as files in a
// directory (files.Records), where a PostgreSQL portal keeps the same records in the
// engine. Summarize, Copy, Dump and Restore read and write a store's side with its
// engine, so that a backup or a copy holds every record, whichever engine it came from
// or goes to.
type Side interface {
	// Holds reports whether key is one of the side's: Copy and Restore write it there.
	Holds(key []byte) bool
	// Scan calls fn for each of the side's records in key order; fn's slices are valid
	// only during the call. A non-nil error from fn stops the scan and is returned.
	Scan(ctx context.Context, fn func(key, value []byte) error) error
	// Put writes one record. Records come in key order, as Scan gives them; unlike an
	// engine's Update, each one takes effect at once.
	Put(ctx context.Context, key, value []byte) error
}

// Store is what Summarize, Copy, Dump and Restore work on: an engine and, if some of
// its records live outside it, their Side.
type Store struct {
	Engine Engine
	Side   Side // nil: every record is in the engine
}

// scan calls fn for every record of a consistent snapshot of s in key order: the
// engine's and its side's, merged.
func scan(ctx context.Context, s Store, fn func(k, v []byte) error) error {
	if s.Side == nil {
		return s.Engine.View(ctx, func(r Reader) error { return r.Scan(nil, nil, 0, fn) })
	}
	var sideErr error
	next, stop := iter.Pull2(func(yield func(k, v []byte) bool) {
		sideErr = s.Side.Scan(ctx, func(k, v []byte) error {
			if !yield(k, v) {
				return errStop
			}
			return nil
		})
	})
	defer stop()
	var sk, sv []byte
	more := false
	err := s.Engine.View(ctx, func(r Reader) error {
		// The side is read once the engine's snapshot is taken: a file is stored before
		// the record that says so, so a file the snapshot refers to is there.
		sk, sv, more = next()
		err := r.Scan(nil, nil, 0, func(k, v []byte) error {
			for ; more && bytes.Compare(sk, k) <= 0; sk, sv, more = next() {
				if bytes.Equal(sk, k) {
					return fmt.Errorf("%q is both in the engine and beside it", k)
				}
				if err := fn(sk, sv); err != nil {
					return err
				}
			}
			return fn(k, v)
		})
		for ; err == nil && more; sk, sv, more = next() {
			err = fn(sk, sv)
		}
		return err
	})
	stop()
	if err == nil && sideErr != nil && !errors.Is(sideErr, errStop) {
		err = sideErr
	}
	return err
}

// Summarize computes the Stats of a consistent snapshot of s.
func Summarize(ctx context.Context, s Store) (Stats, error) {
	sum := newSummer()
	err := scan(ctx, s, func(k, v []byte) error { sum.add(k, v); return nil })
	return sum.done(), err
}

// A transaction of a copy or restore writes up to copyBatch keys or copyBytes of
// values, whichever comes first: an attachment's chunks are large.
const (
	copyBatch = 500
	copyBytes = 4 << 20
)

// batch is the writes of a copy or restore into a store: its side's records go there
// at once, the engine's in transactions of copyBatch keys or copyBytes.
type batch struct {
	to    Store
	kvs   [][2][]byte
	bytes int
}

// put adds a record; k and v must not change afterwards.
func (b *batch) put(ctx context.Context, k, v []byte) error {
	if b.to.Side != nil && b.to.Side.Holds(k) {
		return b.to.Side.Put(ctx, k, v)
	}
	b.kvs = append(b.kvs, [2][]byte{k, v})
	b.bytes += len(k) + len(v)
	if len(b.kvs) >= copyBatch || b.bytes >= copyBytes {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	if len(b.kvs) == 0 {
		return nil
	}
	err := b.to.Engine.Update(ctx, func(tx Tx) error {
		for _, kv := range b.kvs {
			tx.Put(kv[0], kv[1])
		}
		return nil
	})
	b.kvs, b.bytes = b.kvs[:0], 0
	return err
}

// ErrNotEmpty refuses to copy into a store that holds data: a copy never merges.
var ErrNotEmpty = errors.New("kv: the target store is not empty")

// Copy copies every record of a snapshot of from into the empty store to, then checks
// that both hold the same (by Stats). The source must not change meanwhile for the
// check to pass: copy a stopped portal, or a backup.
func Copy(ctx context.Context, from, to Store) (Stats, error) {
	if err := mustBeEmpty(ctx, to); err != nil {
		return Stats{}, err
	}
	sum := newSummer()
	b := &batch{to: to}
	err := scan(ctx, from, func(k, v []byte) error {
		sum.add(k, v)
		return b.put(ctx, bytes.Clone(k), bytes.Clone(v))
	})
	if err == nil {
		err = b.flush(ctx)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("kv: copy: %w", err)
	}
	want := sum.done()
	got, err := Summarize(ctx, to)
	if err != nil {
		return Stats{}, fmt.Errorf("kv: copy: checking the target: %w", err)
	}
	if got.Checksum != want.Checksum || got.Keys != want.Keys {
		return got, fmt.Errorf("kv: copy: the target holds %d keys (sha256 %s), the source %d (sha256 %s)", got.Keys, got.Checksum, want.Keys, want.Checksum)
	}
	return got, nil
}

// mustBeEmpty refuses a store with data. Keys under "meta/" (what a freshly opened
// store notes about itself, such as the version of its indexes) are not data: they are
// removed, so that the copy's own say.
func mustBeEmpty(ctx context.Context, s Store) error {
	if s.Side != nil {
		err := s.Side.Scan(ctx, func(_, _ []byte) error { return ErrNotEmpty })
		if err != nil {
			return err
		}
	}
	var data bool
	var meta [][]byte
	err := s.Engine.View(ctx, func(r Reader) error {
		return r.Scan(nil, nil, 0, func(k, v []byte) error {
			if !bytes.HasPrefix(k, []byte("meta/")) {
				data = true
				return errStop
			}
			meta = append(meta, bytes.Clone(k))
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	if data {
		return ErrNotEmpty
	}
	if len(meta) == 0 {
		return nil
	}
	return s.Engine.Update(ctx, func(tx Tx) error {
		for _, k := range meta {
			tx.Delete(k)
		}
		return nil
	})
}

var errStop = errors.New("stop")

// The backup format: a magic line, then for each key in order uvarint(len(key)) key
// uvarint(len(value)) value, then a zero-length key and the Stats' checksum (32 bytes),
// so that a cut-off or damaged file is noticed on restore. A side's records are in it
// like the engine's.
const magic = "lomake-backup 1\n"

// Dump writes a consistent snapshot of s to w.
func Dump(ctx context.Context, s Store, w io.Writer) (Stats, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	sum := newSummer()
	var n [binary.MaxVarintLen64]byte
	write := func(b []byte) {
		bw.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		bw.Write(b)
	}
	bw.WriteString(magic)
	err := scan(ctx, s, func(k, v []byte) error {
		if len(k) == 0 {
			return errors.New("an empty key cannot be written")
		}
		sum.add(k, v)
		write(k)
		write(v)
		return ctx.Err()
	})
	if err != nil {
		return Stats{}, fmt.Errorf("kv: dump: %w", err)
	}
	stats := sum.done()
	write(nil)
	raw, _ := hex.DecodeString(stats.Checksum)
	bw.Write(raw)
	if err := bw.Flush(); err != nil {
		return Stats{}, fmt.Errorf("kv: dump: %w", err)
	}
	return stats, nil
}

// Restore reads a Dump into the empty store s. It checks the checksum before it
// commits the last batch, so a damaged backup is refused (the records before it are
// then in s, and a side's as they came: restore into a fresh store and remove it on
// error).
func Restore(ctx context.Context, r io.Reader, s Store) (Stats, error) {
	if err := mustBeEmpty(ctx, s); err != nil {
		return Stats{}, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != magic {
		return Stats{}, errors.New("kv: restore: not a Lomake backup")
	}
	read := func() ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, err
		}
		if n > 1<<30 {
			return nil, errors.New("record too large")
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return b, err
	}
	sum := newSummer()
	b := &batch{to: s}
	for {
		k, err := read()
		if err != nil {
			return Stats{}, fmt.Errorf("kv: restore: the backup is cut off or damaged: %w", err)
		}
		if len(k) == 0 {
			break
		}
		v, err := read()
		if err != nil {
			return Stats{}, fmt.Errorf("kv: restore: the backup is cut off or damaged: %w", err)
		}
		sum.add(k, v)
		if err := b.put(ctx, k, v); err != nil {
			return Stats{}, fmt.Errorf("kv: restore: %w", err)
		}
	}
	stats := sum.done()
	want := make([]byte, sha256.Size)
	if _, err := io.ReadFull(br, want); err != nil || hex.EncodeToString(want) != stats.Checksum {
		return Stats{}, errors.New("kv: restore: the backup's checksum does not match its contents")
	}
	if err := b.flush(ctx); err != nil {
		return Stats{}, fmt.Errorf("kv: restore: %w", err)
	}
	return stats, nil
}
