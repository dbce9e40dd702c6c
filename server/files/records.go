package files

// A DirStore's files as records in the layout of KV, so that a backup or a copy of a
// LevelDB portal carries its attachments like a PostgreSQL portal's, and a copy
// between the two moves them into the other's store (kv.Side).
//
// A file reads as its chunks (file/<id>/<chunk>) and filemeta/<id>, the very records KV
// would hold for it; a temporary file, what an unfinished Put left, as its chunks and
// filepart/<id>, as an unfinished Put into KV would be. Written back, the chunks of a
// file go into its temporary file, and its filemeta checks the file's size and SHA-256
// and puts it in place; an unfinished file stays a temporary file, which Delete(id)
// removes.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lomake/lomake/server/kv"
)

// Records returns what a store keeps outside the kv engine, as records in the layout
// of KV, to be the kv.Side of its engine: a DirStore's files. It is nil for any other
// store: a KVStore's records are its engine's.
func Records(s Store) kv.Side {
	if d, ok := s.(*DirStore); ok {
		return dirRecords{d}
	}
	return nil
}

// Totals are the files and their bytes in the Stats of records in the layout of KV:
// the complete files, and the bytes of every chunk (of unfinished files too).
func Totals(s kv.Stats) (n int, size int64) {
	return s.Kinds["filemeta"], s.Bytes["file"]
}

type dirRecords struct{ d *DirStore }

// Holds implements kv.Side.
func (r dirRecords) Holds(key []byte) bool {
	return bytes.HasPrefix(key, chunkPrefix) || bytes.HasPrefix(key, metaPrefix) || bytes.HasPrefix(key, partPrefix)
}

// dirFile is a file of the directory, as listed.
type dirFile struct {
	id      string
	partial bool // a temporary file
}

// list returns the directory's files in order of id; a temporary file only if its id
// has no complete file.
func (d *DirStore) list() ([]dirFile, error) {
	subs, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	var out []dirFile
	for _, sub := range subs {
		if !sub.IsDir() || len(sub.Name()) != 2 {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(d.path, sub.Name()))
		if err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
		var here []dirFile
		for _, e := range entries {
			id, partial := strings.CutPrefix(e.Name(), tmpPrefix)
			if e.Type().IsRegular() && ValidID(id) && id[:2] == sub.Name() {
				here = append(here, dirFile{id, partial})
			}
		}
		// By id, the complete file first; then one of each id.
		slices.SortFunc(here, func(a, b dirFile) int {
			if c := cmp.Compare(a.id, b.id); c != 0 {
				return c
			}
			return boolCompare(a.partial, b.partial)
		})
		out = append(out, slices.CompactFunc(here, func(a, b dirFile) bool { return a.id == b.id })...)
	}
	return out, nil
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// Scan implements kv.Side: every file's chunks, then the complete files' filemeta, then
// the unfinished ones' filepart, each in order of id, as the keys sort. A file deleted
// since the listing is left out.
func (r dirRecords) Scan(ctx context.Context, fn func(key, value []byte) error) error {
	list, err := r.d.list()
	if err != nil {
		return err
	}
	type done struct {
		id      string
		partial bool
		meta    kvMeta
	}
	var read []done
	buf := make([]byte, ChunkSize)
	for _, f := range list {
		_, final, tmp := r.d.paths(f.id)
		name := final
		if f.partial {
			name = tmp
		}
		m, err := chunks(ctx, name, buf, func(i int, chunk []byte) error { return fn(chunkKey(f.id, i), chunk) })
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		read = append(read, done{f.id, f.partial, m})
	}
	for _, f := range read {
		if !f.partial {
			v, _ := json.Marshal(f.meta)
			if err := fn(metaKey(f.id), v); err != nil {
				return err
			}
		}
	}
	for _, f := range read {
		// KV notes an unfinished file once it has a chunk.
		if f.partial && f.meta.Chunks > 0 {
			if err := fn(partKey(f.id), strconv.AppendInt(nil, int64(f.meta.Chunks), 10)); err != nil {
				return err
			}
		}
	}
	return nil
}

// chunks reads the file name in chunks of len(buf) bytes, as KV's Put cuts a file, and
// calls fn with each; it returns what KV would note of the file.
func chunks(ctx context.Context, name string, buf []byte, fn func(i int, chunk []byte) error) (kvMeta, error) {
	f, err := os.Open(name)
	if err != nil {
		return kvMeta{}, err
	}
	defer f.Close()
	h := sha256.New()
	var m kvMeta
	for {
		n, err := fill(ctx, f, buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return kvMeta{}, fmt.Errorf("files: %s: %w", name, err)
		}
		h.Write(buf[:n])
		if err := fn(m.Chunks, buf[:n]); err != nil {
			return kvMeta{}, err
		}
		m.Size += int64(n)
		m.Chunks++
		if n < len(buf) {
			break
		}
	}
	m.SHA256 = hex.EncodeToString(h.Sum(nil))
	return m, nil
}

// Put implements kv.Side. It takes records in the order Scan gives them (that of the
// keys): a file's chunks in order, its filemeta after them.
func (r dirRecords) Put(ctx context.Context, key, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k := string(key)
	switch {
	case strings.HasPrefix(k, string(chunkPrefix)):
		id, n, ok := strings.Cut(strings.TrimPrefix(k, string(chunkPrefix)), "/")
		i, err := strconv.Atoi(n)
		if !ok || err != nil || !ValidID(id) || string(chunkKey(id, i)) != k {
			return fmt.Errorf("files: %q is not a chunk's key", k)
		}
		return r.d.putChunk(id, i, value)
	case strings.HasPrefix(k, string(metaPrefix)):
		id := strings.TrimPrefix(k, string(metaPrefix))
		var m kvMeta
		if !ValidID(id) {
			return fmt.Errorf("files: %q is not a file's key", k)
		}
		if err := json.Unmarshal(value, &m); err != nil {
			return fmt.Errorf("files: %s: %w", k, err)
		}
		return r.d.finish(ctx, id, m)
	case strings.HasPrefix(k, string(partPrefix)):
		// An unfinished file: its chunks stay the temporary file, as a crash in the
		// middle of a Put would leave them.
		if !ValidID(strings.TrimPrefix(k, string(partPrefix))) {
			return fmt.Errorf("files: %q is not a file's key", k)
		}
		return nil
	}
	return fmt.Errorf("files: %q is not a file's key", k)
}

// putChunk appends chunk i to the temporary file of id.
func (d *DirStore) putChunk(id string, i int, chunk []byte) error {
	if err := d.makeSub(id); err != nil {
		return err
	}
	_, final, tmp := d.paths(id)
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("files: %s: %w", id, ErrExists)
	}
	flag := os.O_WRONLY | os.O_APPEND
	if i == 0 {
		flag |= os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(tmp, flag, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("files: %s: %w", id, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("files: %s: chunk %d: %w", id, i, err)
	}
	defer f.Close()
	// The chunks before it are whole (KV cuts a file so): a chunk out of order or
	// missing shows here.
	if st, err := f.Stat(); err != nil || st.Size() != int64(i)*ChunkSize {
		return fmt.Errorf("files: %s: chunk %d does not follow the chunks before it (%v)", id, i, err)
	}
	if _, err := f.Write(chunk); err != nil {
		return fmt.Errorf("files: %s: %w", id, err)
	}
	return f.Close()
}

// finish checks the temporary file of id against m (KV's note of a complete file) and
// puts it in place.
func (d *DirStore) finish(ctx context.Context, id string, m kvMeta) (err error) {
	if err := d.makeSub(id); err != nil {
		return err
	}
	sub, final, tmp := d.paths(id)
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("files: %s: %w", id, ErrExists)
	}
	flag := os.O_RDWR
	if m.Chunks == 0 {
		flag |= os.O_CREATE | os.O_EXCL // an empty file has no chunks
	}
	f, err := os.OpenFile(tmp, flag, 0o600)
	if err != nil {
		return fmt.Errorf("files: %s: %w", id, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	got, err := chunks(ctx, tmp, make([]byte, ChunkSize), func(int, []byte) error { return nil })
	if err != nil {
		return err
	}
	if got != m {
		return fmt.Errorf("files: %s: the chunks make %d bytes in %d chunks (sha256 %s), the file was %d in %d (sha256 %s)",
			id, got.Size, got.Chunks, got.SHA256, m.Size, m.Chunks, m.SHA256)
	}
	return commit(f, sub, final, tmp)
}

// makeSub makes the subdirectory of id, durably, if it is not there.
func (d *DirStore) makeSub(id string) error {
	sub, _, _ := d.paths(id)
	err := os.Mkdir(sub, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	return syncDir(d.path)
}
