package files

// Files in the kv engine, for instances that share PostgreSQL.
//
// Keys:
//
//	file/<id>/<%08d chunk> → up to ChunkSize bytes of the file
//	filepart/<id>          → decimal count of chunks that may exist: an unfinished Put,
//	                         or a Delete under way
//	filemeta/<id>          → kvMeta as JSON: the file is complete
//
// A Put writes each chunk in a transaction of its own as it streams (with filepart
// counting them), and filemeta last, in the transaction that removes filepart: a
// reader finds a whole file or none. A Delete removes filemeta first (the file is gone
// for readers), notes the chunks in filepart, deletes them in batches, then filepart:
// whatever a crash interrupts, filepart says what Delete(id) still has to remove.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// ChunkSize is the most bytes one key holds.
const ChunkSize = 256 << 10

// deleteBatch bounds the chunks one transaction deletes.
const deleteBatch = 256

// KVStore keeps files in a kv engine.
type KVStore struct {
	e kv.Engine
}

// KV returns the store on an engine.
func KV(e kv.Engine) *KVStore { return &KVStore{e: e} }

type kvMeta struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Chunks int    `json:"chunks"`
}

func chunkKey(id string, i int) []byte { return fmt.Appendf(nil, "file/%s/%08d", id, i) }
func partKey(id string) []byte         { return []byte("filepart/" + id) }
func metaKey(id string) []byte         { return []byte("filemeta/" + id) }

// The keys' prefixes: everything KV keeps is under them.
var (
	chunkPrefix = []byte("file/")
	partPrefix  = []byte("filepart/")
	metaPrefix  = []byte("filemeta/")
)

// Put implements Store.
func (s *KVStore) Put(ctx context.Context, id string, r io.Reader, max int64) (info Info, err error) {
	if !ValidID(id) {
		return Info{}, ErrBadID
	}
	defer func() {
		if err != nil && !errors.Is(err, ErrExists) && !errors.Is(err, kv.ErrClosed) {
			// What was written goes now; if this fails too, Delete(id) finds it later.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			s.Delete(cctx, id)
		}
	}()
	h := sha256.New()
	buf := make([]byte, ChunkSize)
	var size int64
	chunks := 0
	for {
		n, rerr := fill(ctx, r, buf)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return Info{}, rerr
		}
		size += int64(n)
		if size > max {
			return Info{}, ErrTooLarge
		}
		h.Write(buf[:n])
		i := chunks
		if err := s.e.Update(ctx, func(tx kv.Tx) error {
			if i == 0 {
				if err := absent(tx, id); err != nil {
					return err
				}
			}
			tx.Put(chunkKey(id, i), buf[:n])
			tx.Put(partKey(id), strconv.AppendInt(nil, int64(i+1), 10))
			return nil
		}); err != nil {
			return Info{}, fmt.Errorf("files: %w", err)
		}
		chunks++
		if n < len(buf) {
			break // the last chunk: fill stops short only at the end
		}
	}
	meta := kvMeta{Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), Chunks: chunks}
	v, _ := json.Marshal(meta)
	if err := s.e.Update(ctx, func(tx kv.Tx) error {
		if chunks == 0 {
			if err := absent(tx, id); err != nil {
				return err
			}
		}
		tx.Put(metaKey(id), v)
		tx.Delete(partKey(id))
		return nil
	}); err != nil {
		return Info{}, fmt.Errorf("files: %w", err)
	}
	return Info{ID: id, Size: size, SHA256: meta.SHA256}, nil
}

// absent refuses an id that is already in use, complete or not.
func absent(tx kv.Reader, id string) error {
	for _, k := range [][]byte{metaKey(id), partKey(id)} {
		_, err := tx.Get(k)
		if err == nil {
			return ErrExists
		}
		if !errors.Is(err, kv.ErrNotFound) {
			return err
		}
	}
	return nil
}

func getMeta(r kv.Reader, id string) (kvMeta, error) {
	v, err := r.Get(metaKey(id))
	if errors.Is(err, kv.ErrNotFound) {
		return kvMeta{}, ErrNotFound
	}
	if err != nil {
		return kvMeta{}, err
	}
	var m kvMeta
	if err := json.Unmarshal(v, &m); err != nil {
		return kvMeta{}, fmt.Errorf("files: %s: %w", metaKey(id), err)
	}
	return m, nil
}

// Open implements Store. The file is read a chunk at a time, each in a short read of
// its own: a slow reader holds no transaction open.
func (s *KVStore) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	var m kvMeta
	if err := s.e.View(ctx, func(r kv.Reader) error {
		var err error
		m, err = getMeta(r, id)
		return err
	}); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("files: %w", err)
	}
	return &kvReader{ctx: ctx, e: s.e, id: id, meta: m}, nil
}

type kvReader struct {
	ctx  context.Context
	e    kv.Engine
	id   string
	meta kvMeta
	next int    // the next chunk to read
	read int64  // bytes handed out so far
	buf  []byte // the current chunk
	cur  []byte // what is left of it
	err  error
}

func (k *kvReader) Read(p []byte) (int, error) {
	if k.err != nil {
		return 0, k.err
	}
	for len(k.cur) == 0 {
		if k.next == k.meta.Chunks {
			if k.read != k.meta.Size {
				k.err = fmt.Errorf("files: %s: %d bytes stored, %d expected", k.id, k.read, k.meta.Size)
			} else {
				k.err = io.EOF
			}
			return 0, k.err
		}
		err := k.e.View(k.ctx, func(r kv.Reader) error {
			v, err := r.Get(chunkKey(k.id, k.next))
			if errors.Is(err, kv.ErrNotFound) {
				return fmt.Errorf("files: %s: chunk %d is missing (deleted while read?)", k.id, k.next)
			}
			if err != nil {
				return err
			}
			k.buf = append(k.buf[:0], v...)
			return nil
		})
		if err != nil {
			k.err = err
			return 0, err
		}
		k.cur = k.buf
		k.next++
	}
	n := copy(p, k.cur)
	k.cur = k.cur[n:]
	k.read += int64(n)
	return n, nil
}

func (k *kvReader) Close() error {
	k.err, k.buf, k.cur = errors.New("files: read after close"), nil, nil
	return nil
}

// Delete implements Store.
func (s *KVStore) Delete(ctx context.Context, id string) error {
	if !ValidID(id) {
		return ErrBadID
	}
	var n int
	err := s.e.Update(ctx, func(tx kv.Tx) error {
		n = 0
		m, err := getMeta(tx, id)
		switch {
		case err == nil:
			n = m.Chunks
		case !errors.Is(err, ErrNotFound):
			return err
		}
		v, err := tx.Get(partKey(id))
		switch {
		case err == nil:
			if p, perr := strconv.Atoi(string(v)); perr == nil && p > n {
				n = p
			}
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		tx.Delete(metaKey(id))
		if n > 0 {
			tx.Put(partKey(id), strconv.AppendInt(nil, int64(n), 10))
		} else {
			tx.Delete(partKey(id))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("files: delete %s: %w", id, err)
	}
	for from := 0; from < n; from += deleteBatch {
		to := min(n, from+deleteBatch)
		if err := s.e.Update(ctx, func(tx kv.Tx) error {
			for i := from; i < to; i++ {
				tx.Delete(chunkKey(id, i))
			}
			if to == n {
				tx.Delete(partKey(id))
			}
			return nil
		}); err != nil {
			return fmt.Errorf("files: delete %s: %w", id, err)
		}
	}
	return nil
}
