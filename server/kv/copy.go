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
	"sort"
	"strings"
)

// Stats describe a store's contents: how many keys of each kind (the key up to its first
// '/': case, user, session, …) and a checksum over every key and value in order. Two
// stores with equal Stats hold the same data.
type Stats struct {
	Kinds    map[string]int `json:"kinds"`
	Keys     int            `json:"keys"`
	Checksum string         `json:"sha256"`
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

func newSummer() *summer { return &summer{h: sha256.New(), stats: Stats{Kinds: map[string]int{}}} }

func (s *summer) add(k, v []byte) {
	var n [binary.MaxVarintLen64]byte
	s.h.Write(n[:binary.PutUvarint(n[:], uint64(len(k)))])
	s.h.Write(k)
	s.h.Write(n[:binary.PutUvarint(n[:], uint64(len(v)))])
	s.h.Write(v)
	kind, _, _ := bytes.Cut(k, []byte("/"))
	s.stats.Kinds[string(kind)]++
	s.stats.Keys++
}

func (s *summer) done() Stats {
	s.stats.Checksum = hex.EncodeToString(s.h.Sum(nil))
	return s.stats
}

// Summarize computes the Stats of a consistent snapshot of e.
func Summarize(ctx context.Context, e Engine) (Stats, error) {
	sum := newSummer()
	err := e.View(ctx, func(r Reader) error {
		return r.Scan(nil, nil, 0, func(k, v []byte) error { sum.add(k, v); return nil })
	})
	return sum.done(), err
}

// copyBatch is how many keys one transaction of a copy writes.
const copyBatch = 500

// ErrNotEmpty refuses to copy into a store that holds data: a copy never merges.
var ErrNotEmpty = errors.New("kv: the target store is not empty")

// Copy copies every key of a snapshot of from into the empty store to, then checks that
// both hold the same (by Stats). The source must not change meanwhile for the check to
// pass: copy a stopped portal, or a backup.
func Copy(ctx context.Context, from, to Engine) (Stats, error) {
	if err := mustBeEmpty(ctx, to); err != nil {
		return Stats{}, err
	}
	sum := newSummer()
	var batch [][2][]byte
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := to.Update(ctx, func(tx Tx) error {
			for _, kv := range batch {
				tx.Put(kv[0], kv[1])
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	err := from.View(ctx, func(r Reader) error {
		return r.Scan(nil, nil, 0, func(k, v []byte) error {
			sum.add(k, v)
			batch = append(batch, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
			if len(batch) == copyBatch {
				return flush()
			}
			return nil
		})
	})
	if err == nil {
		err = flush()
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
func mustBeEmpty(ctx context.Context, e Engine) error {
	var data bool
	var meta [][]byte
	err := e.View(ctx, func(r Reader) error {
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
	return e.Update(ctx, func(tx Tx) error {
		for _, k := range meta {
			tx.Delete(k)
		}
		return nil
	})
}

var errStop = errors.New("stop")

// The backup format: a magic line, then for each key in order uvarint(len(key)) key
// uvarint(len(value)) value, then a zero-length key and the Stats' checksum (32 bytes),
// so that a cut-off or damaged file is noticed on restore.
const magic = "lomake-backup 1\n"

// Dump writes a consistent snapshot of e to w.
func Dump(ctx context.Context, e Engine, w io.Writer) (Stats, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	sum := newSummer()
	var n [binary.MaxVarintLen64]byte
	write := func(b []byte) {
		bw.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		bw.Write(b)
	}
	bw.WriteString(magic)
	err := e.View(ctx, func(r Reader) error {
		return r.Scan(nil, nil, 0, func(k, v []byte) error {
			if len(k) == 0 {
				return errors.New("kv: dump: an empty key cannot be written")
			}
			sum.add(k, v)
			write(k)
			write(v)
			return ctx.Err()
		})
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

// Restore reads a Dump into the empty store e. It checks the checksum before it
// commits the last batch, so a damaged backup is refused (the keys before it are then
// in e: restore into a fresh store and remove it on error).
func Restore(ctx context.Context, r io.Reader, e Engine) (Stats, error) {
	if err := mustBeEmpty(ctx, e); err != nil {
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
	var batch [][2][]byte
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := e.Update(ctx, func(tx Tx) error {
			for _, kv := range batch {
				tx.Put(kv[0], kv[1])
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
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
		batch = append(batch, [2][]byte{k, v})
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return Stats{}, fmt.Errorf("kv: restore: %w", err)
			}
		}
	}
	stats := sum.done()
	want := make([]byte, sha256.Size)
	if _, err := io.ReadFull(br, want); err != nil || hex.EncodeToString(want) != stats.Checksum {
		return Stats{}, errors.New("kv: restore: the backup's checksum does not match its contents")
	}
	if err := flush(); err != nil {
		return Stats{}, fmt.Errorf("kv: restore: %w", err)
	}
	return stats, nil
}
