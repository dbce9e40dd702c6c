package files

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
)

func leveldb(t *testing.T) kv.Engine {
	t.Helper()
	db, err := leveldbkv.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dir(t *testing.T) *DirStore {
	t.Helper()
	d, err := Dir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sizes are the files the tests keep: empty, within a chunk, on and around a chunk's
// edge, several chunks.
var sizes = []int{0, 1, 1000, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 17}

// putFiles puts the same files into every store, under the same ids.
func putFiles(t *testing.T, stores ...Store) []string {
	t.Helper()
	var ids []string
	for i, n := range sizes {
		id := NewID()
		for _, s := range stores {
			if _, err := s.Put(context.Background(), id, bytes.NewReader(content(n, uint64(i))), 1<<30); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// unfinished leaves what a crash in the middle of a Put of two chunks leaves, in a
// directory and in KV.
func unfinished(t *testing.T, d *DirStore, e kv.Engine) string {
	t.Helper()
	id := NewID()
	data := content(ChunkSize+10, 42)
	if err := os.MkdirAll(filepath.Join(d.path, id[:2]), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.path, id[:2], tmpPrefix+id), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.Update(context.Background(), func(tx kv.Tx) error {
		tx.Put(chunkKey(id, 0), data[:ChunkSize])
		tx.Put(chunkKey(id, 1), data[ChunkSize:])
		tx.Put(partKey(id), []byte("2"))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// A directory's files read as the very records KV keeps for the same files: a backup
// of either is the same.
func TestRecordsAreKVs(t *testing.T) {
	ctx := context.Background()
	d, e := dir(t), leveldb(t)
	putFiles(t, d, KV(e))
	unfinished(t, d, e)
	inDir, err := kv.Summarize(ctx, kv.Store{Engine: leveldb(t), Side: Records(d)})
	if err != nil {
		t.Fatal(err)
	}
	inKV, err := kv.Summarize(ctx, kv.Store{Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	if inDir.Checksum != inKV.Checksum || inDir.Keys != inKV.Keys {
		t.Errorf("the directory's records %v, KV's %v", inDir, inKV)
	}
	want := int64(0)
	for _, n := range sizes {
		want += int64(n)
	}
	if n, size := Totals(inDir); n != len(sizes) || size != want+ChunkSize+10 {
		t.Errorf("Totals = %d files, %d bytes; want %d, %d", n, size, len(sizes), want+ChunkSize+10)
	}
	if Records(KV(e)) != nil || Records(nil) != nil {
		t.Error("a store with nothing outside its engine has a side")
	}
}

// Files go from a directory into KV and from KV into a directory by kv.Copy, whole, and
// what an unfinished Put left arrives as an unfinished Put, which Delete removes.
func TestRecordsCopy(t *testing.T) {
	ctx := context.Background()
	src, srcEngine := dir(t), leveldb(t)
	ids := putFiles(t, src)
	part := unfinished(t, src, leveldb(t))

	e := leveldb(t)
	if _, err := kv.Copy(ctx, kv.Store{Engine: srcEngine, Side: Records(src)}, kv.Store{Engine: e}); err != nil {
		t.Fatal(err)
	}
	back, backEngine := dir(t), leveldb(t)
	if _, err := kv.Copy(ctx, kv.Store{Engine: e}, kv.Store{Engine: backEngine, Side: Records(back)}); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		want := content(sizes[i], uint64(i))
		for name, s := range map[string]Store{"KV": KV(e), "directory": back} {
			if got := readAll(t, s, id); !bytes.Equal(got, want) {
				t.Errorf("%d bytes in %s: read back %d bytes that differ", sizes[i], name, len(got))
			}
		}
	}
	if left := keys(t, backEngine); len(left) > 0 {
		t.Errorf("files in the directory's engine: %v", left)
	}
	for name, s := range map[string]Store{"KV": KV(e), "directory": back} {
		if _, err := s.Open(ctx, part); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unfinished file opens in %s: %v", name, err)
		}
	}
	tmp := filepath.Join(back.path, part[:2], tmpPrefix+part)
	if got, err := os.ReadFile(tmp); err != nil || !bytes.Equal(got, content(ChunkSize+10, 42)) {
		t.Errorf("the unfinished file in the directory: %d bytes, %v", len(got), err)
	}
	if err := back.Delete(ctx, part); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Delete left the unfinished file: %v", err)
	}
}

// Records that do not make a file are refused, and leave no file.
func TestRecordsRefused(t *testing.T) {
	ctx := context.Background()
	id := NewID()
	chunk := content(ChunkSize, 1)
	good := `{"size":262154,"sha256":"` + sum(append(bytes.Clone(chunk), content(10, 2)...)) + `","chunks":2}`
	for _, c := range []struct {
		name string
		recs [][2]string
		want string
	}{
		{"a chunk missing", [][2]string{{string(chunkKey(id, 0)), string(chunk)}, {string(chunkKey(id, 2)), "x"}}, "does not follow"},
		{"no first chunk", [][2]string{{string(chunkKey(id, 1)), "x"}}, "chunk 1"},
		{"another file", [][2]string{{string(chunkKey(id, 0)), string(chunk)}, {string(chunkKey(id, 1)), string(content(10, 3))}, {string(metaKey(id)), good}}, "sha256"},
		{"cut short", [][2]string{{string(chunkKey(id, 0)), string(chunk)}, {string(metaKey(id)), good}}, "262144 bytes in 1 chunks"},
		{"no chunks", [][2]string{{string(metaKey(id)), good}}, "no such file"},
		{"a bad meta", [][2]string{{string(metaKey(id)), "{"}}, "filemeta"},
		{"a bad id", [][2]string{{"file/../../x/00000000", "x"}}, "not a chunk"},
		{"a chunk's odd key", [][2]string{{"file/" + id + "/0", "x"}}, "not a chunk"},
		{"not a file's", [][2]string{{"filex/" + id, "x"}}, "not a file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := dir(t)
			r := Records(d)
			var err error
			for _, rec := range c.recs {
				if err = r.Put(ctx, []byte(rec[0]), []byte(rec[1])); err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one saying %q", err, c.want)
			}
			if _, err := d.Open(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("the file opens: %v", err)
			}
		})
	}
}

// A file deleted between the listing and its reading is left out of the records.
func TestRecordsOfADeletedFile(t *testing.T) {
	ctx := context.Background()
	d := dir(t)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = NewID()
		if _, err := d.Put(ctx, ids[i], bytes.NewReader(content(100, uint64(i))), 1<<30); err != nil {
			t.Fatal(err)
		}
	}
	var metas []string
	err := Records(d).Scan(ctx, func(k, v []byte) error {
		if len(metas) == 0 && bytes.HasPrefix(k, chunkPrefix) {
			// Reading the first file: the others go.
			for _, id := range ids {
				if !bytes.Contains(k, []byte(id)) {
					d.Delete(ctx, id)
				}
			}
			metas = append(metas, "reading")
		}
		if bytes.HasPrefix(k, metaPrefix) {
			metas = append(metas, string(k))
		}
		return nil
	})
	if err != nil || len(metas) != 2 {
		t.Errorf("records of the files left: %v, %v", metas, err)
	}
}
