package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
	"github.com/lomake/lomake/server/kv/postgreskv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// stores are the implementations the suite runs on. Each gives a fresh, empty store and
// a function that lists everything it keeps (files, temporary files, keys), so that a
// test can check that a refused or failed file left nothing.
var stores = []struct {
	name string
	open func(t *testing.T) (Store, func() []string)
}{
	{"dir", func(t *testing.T) (Store, func() []string) {
		root := filepath.Join(t.TempDir(), "files")
		d, err := Dir(root)
		if err != nil {
			t.Fatal(err)
		}
		return d, func() []string {
			var out []string
			filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					out = append(out, strings.TrimPrefix(p, root))
				}
				return nil
			})
			return out
		}
	}},
	{"kv-leveldb", func(t *testing.T) (Store, func() []string) {
		db, err := leveldbkv.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return KV(db), func() []string { return keys(t, db) }
	}},
	{"kv-postgres", func(t *testing.T) (Store, func() []string) {
		db, err := postgreskv.Open(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return KV(db), func() []string { return keys(t, db) }
	}},
}

func keys(t *testing.T, e kv.Engine) []string {
	t.Helper()
	var out []string
	if err := e.View(context.Background(), func(r kv.Reader) error {
		return r.Scan(nil, nil, 0, func(k, _ []byte) error { out = append(out, string(k)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func forEachStore(t *testing.T, test func(t *testing.T, s Store, stored func() []string)) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			s, stored := st.open(t)
			test(t, s, stored)
		})
	}
}

// content is n reproducible bytes.
func content(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readAll(t *testing.T, s Store, id string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return b
}

// oneByteReader hands out one byte per Read, the worst a network can do.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(1, len(p))]) }

func TestPutOpenRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		ctx := context.Background()
		for i, n := range []int{0, 1, 1000, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 17} {
			want := content(n, uint64(i))
			id := NewID()
			info, err := s.Put(ctx, id, bytes.NewReader(want), int64(n))
			if err != nil {
				t.Fatalf("%d bytes: %v", n, err)
			}
			if info.ID != id || info.Size != int64(n) || info.SHA256 != sum(want) {
				t.Errorf("%d bytes: info %+v, want size %d sha %s", n, info, n, sum(want))
			}
			if got := readAll(t, s, id); !bytes.Equal(got, want) {
				t.Errorf("%d bytes: read back %d bytes that differ", n, len(got))
			}
		}
		// A reader that gives a byte at a time makes the same file.
		want := content(ChunkSize+5, 99)
		id := NewID()
		if _, err := s.Put(ctx, id, oneByteReader{bytes.NewReader(want)}, 1<<30); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, id); !bytes.Equal(got, want) {
			t.Error("byte-at-a-time upload read back different")
		}
		// Small reads of the stored file see every byte once.
		rc, _ := s.Open(ctx, id)
		got, err := io.ReadAll(oneByteReader{rc})
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("byte-at-a-time read: %v", err)
		}
	})
}

func TestTooLargeLeavesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		ctx := context.Background()
		for _, c := range []struct{ size, max int }{{11, 10}, {ChunkSize + 1, ChunkSize}, {3 * ChunkSize, ChunkSize + 100}} {
			id := NewID()
			_, err := s.Put(ctx, id, bytes.NewReader(content(c.size, 1)), int64(c.max))
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%d bytes with max %d: %v, want ErrTooLarge", c.size, c.max, err)
			}
			if _, err := s.Open(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("a refused file opens: %v", err)
			}
		}
		// Exactly max is allowed.
		if _, err := s.Put(ctx, NewID(), bytes.NewReader(content(ChunkSize, 1)), ChunkSize); err != nil {
			t.Errorf("exactly max: %v", err)
		}
		if got := stored(); len(got) > 2 { // the one file: a file, or a chunk and its meta
			t.Errorf("refused files left %v", got)
		}
	})
}

// failingReader returns n bytes, then an error (a client that went away).
type failingReader struct {
	r    io.Reader
	left int
}

var errGone = errors.New("client went away")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errGone
	}
	n, err := f.r.Read(p[:min(len(p), f.left)])
	f.left -= n
	return n, err
}

func TestFailedUploadLeavesNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		id := NewID()
		_, err := s.Put(context.Background(), id, &failingReader{bytes.NewReader(content(4*ChunkSize, 2)), 2*ChunkSize + 10}, 1<<30)
		if !errors.Is(err, errGone) {
			t.Errorf("Put = %v, want the reader's error", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := &blockingReader{data: content(4*ChunkSize, 3), after: ChunkSize + 1, reached: make(chan struct{}), release: make(chan struct{})}
		done := make(chan error, 1)
		go func() {
			_, err := s.Put(ctx, NewID(), r, 1<<30)
			done <- err
		}()
		<-r.reached
		cancel()
		close(r.release)
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a cancelled context = %v", err)
		}
		if got := stored(); len(got) > 0 {
			t.Errorf("failed uploads left %v", got)
		}
	})
}

// blockingReader hands out data, stopping after `after` bytes until released.
type blockingReader struct {
	data             []byte
	off, after       int
	reached, release chan struct{}
	once             sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.off >= b.after {
		b.once.Do(func() { close(b.reached) })
		<-b.release
	}
	if b.off == len(b.data) {
		return 0, io.EOF
	}
	end := len(b.data)
	if b.off < b.after {
		end = b.after
	}
	n := copy(p, b.data[b.off:end])
	b.off += n
	return n, nil
}

// A file being written is not there for readers until it is whole.
func TestHalfWrittenFileIsInvisible(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		data := content(3*ChunkSize+5, 4)
		r := &blockingReader{data: data, after: 2*ChunkSize + 3, reached: make(chan struct{}), release: make(chan struct{})}
		id := NewID()
		done := make(chan error, 1)
		go func() {
			_, err := s.Put(context.Background(), id, r, 1<<30)
			done <- err
		}()
		<-r.reached
		time.Sleep(20 * time.Millisecond) // let the chunks before the pause be written
		if _, err := s.Open(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("a half-written file opens: %v", err)
		}
		if len(stored()) == 0 {
			t.Error("nothing written while streaming: is the file held in memory?")
		}
		close(r.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, id); !bytes.Equal(got, data) {
			t.Error("read back different")
		}
	})
}

func TestIDsAndDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		ctx := context.Background()
		id := NewID()
		if _, err := s.Put(ctx, id, strings.NewReader("first"), 100); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put(ctx, id, strings.NewReader("second"), 100); !errors.Is(err, ErrExists) {
			t.Errorf("second Put under one id = %v, want ErrExists", err)
		}
		if got := readAll(t, s, id); string(got) != "first" {
			t.Errorf("the first file became %q", got)
		}
		for _, bad := range []string{"", "../../etc/passwd", "..", strings.Repeat("A", 32), strings.Repeat("0", 31) + "/", id + "0"} {
			if _, err := s.Put(ctx, bad, strings.NewReader("x"), 10); !errors.Is(err, ErrBadID) {
				t.Errorf("Put(%q) = %v, want ErrBadID", bad, err)
			}
			if _, err := s.Open(ctx, bad); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open(%q) = %v, want ErrNotFound", bad, err)
			}
			if err := s.Delete(ctx, bad); !errors.Is(err, ErrBadID) {
				t.Errorf("Delete(%q) = %v, want ErrBadID", bad, err)
			}
		}
		big := NewID()
		if _, err := s.Put(ctx, big, bytes.NewReader(content(2*ChunkSize+1, 5)), 1<<30); err != nil {
			t.Fatal(err)
		}
		for _, x := range []string{id, big} {
			if err := s.Delete(ctx, x); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(ctx, x); !errors.Is(err, ErrNotFound) {
				t.Errorf("a deleted file opens: %v", err)
			}
			if err := s.Delete(ctx, x); err != nil {
				t.Errorf("deleting again: %v", err)
			}
		}
		if _, err := s.Open(ctx, NewID()); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(unknown) = %v", err)
		}
		if got := stored(); len(got) > 0 {
			t.Errorf("deleted files left %v", got)
		}
	})
}

func TestConcurrentPuts(t *testing.T) {
	forEachStore(t, func(t *testing.T, s Store, stored func() []string) {
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, len(ids))
		for i := range ids {
			ids[i] = NewID()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Put(context.Background(), ids[i], bytes.NewReader(content(ChunkSize+i*1000, uint64(i))), 1<<30)
			}()
		}
		wg.Wait()
		for i, id := range ids {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if got := readAll(t, s, id); !bytes.Equal(got, content(ChunkSize+i*1000, uint64(i))) {
				t.Errorf("file %d read back different", i)
			}
		}
	})
}

// What a crash in the middle of a Put leaves, Delete(id) removes.
func TestDeleteRemovesWhatACrashLeft(t *testing.T) {
	t.Run("dir", func(t *testing.T) {
		root := t.TempDir()
		d, _ := Dir(root)
		id := NewID()
		os.MkdirAll(filepath.Join(root, id[:2]), 0o700)
		tmp := filepath.Join(root, id[:2], ".tmp-"+id)
		os.WriteFile(tmp, []byte("half a file"), 0o600)
		if _, err := d.Open(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("a temporary file opens: %v", err)
		}
		if err := d.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the temporary file is still there: %v", err)
		}
	})
	t.Run("kv", func(t *testing.T) {
		db, err := leveldbkv.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := KV(db)
		id := NewID()
		db.Update(context.Background(), func(tx kv.Tx) error {
			for i := 0; i < 3; i++ {
				tx.Put(chunkKey(id, i), []byte("chunk"))
			}
			tx.Put(partKey(id), []byte("3"))
			return nil
		})
		if _, err := s.Open(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("a half-written file opens: %v", err)
		}
		if err := s.Delete(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if got := keys(t, db); len(got) > 0 {
			t.Errorf("left %v", got)
		}
	})
}

// A file deleted while it is being read ends the read with an error, not short.
func TestKVReadOfDeletedFileFails(t *testing.T) {
	db, err := leveldbkv.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := KV(db)
	id := NewID()
	if _, err := s.Put(context.Background(), id, bytes.NewReader(content(3*ChunkSize, 6)), 1<<30); err != nil {
		t.Fatal(err)
	}
	rc, _ := s.Open(context.Background(), id)
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	s.Delete(context.Background(), id)
	if _, err := io.ReadAll(rc); err == nil {
		t.Error("reading a deleted file ended without an error")
	}
}

func TestNewIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID()
		if !ValidID(id) || seen[id] {
			t.Fatalf("NewID() = %q (valid %v, seen %v)", id, ValidID(id), seen[id])
		}
		seen[id] = true
	}
}
