package kv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
	"github.com/lomake/lomake/server/kv/postgreskv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func leveldb(t *testing.T) kv.Engine {
	db, err := leveldbkv.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func postgres(t *testing.T) kv.Engine {
	db, err := postgreskv.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fill writes keys of a few kinds, binary values and an empty one among them.
func fill(t *testing.T, e kv.Engine, n int) {
	err := e.Update(context.Background(), func(tx kv.Tx) error {
		for i := range n {
			tx.Put(fmt.Appendf(nil, "case/HEL-KOI-2026-%06d", i), fmt.Appendf(nil, `{"n":%d}`, i))
			tx.Put(fmt.Appendf(nil, "idx/service/dog/%06d", i), nil)
		}
		tx.Put([]byte("user/x"), []byte{0, 0xff, 1})
		tx.Put([]byte("counter/KOI/2026"), []byte(fmt.Sprint(n)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// side is a kv.Side in memory: the records under "file/", which sort among the
// engine's (after counter/, before idx/). It checks that records come to Put in order.
type side struct {
	recs map[string][]byte
	last string
}

func newSide(n int) *side {
	s := &side{recs: map[string][]byte{}}
	for i := range n {
		s.recs[fmt.Sprintf("file/%04d", i)] = bytes.Repeat([]byte{byte(i)}, i)
	}
	return s
}

func (s *side) Holds(k []byte) bool { return bytes.HasPrefix(k, []byte("file/")) }

func (s *side) Scan(ctx context.Context, fn func(k, v []byte) error) error {
	for _, k := range slices.Sorted(maps.Keys(s.recs)) {
		if err := fn([]byte(k), s.recs[k]); err != nil {
			return err
		}
	}
	return nil
}

func (s *side) Put(ctx context.Context, k, v []byte) error {
	if string(k) <= s.last {
		return fmt.Errorf("%s after %s", k, s.last)
	}
	s.recs[string(k)], s.last = bytes.Clone(v), string(k)
	return nil
}

// engineKeys counts the keys of an engine under a prefix.
func engineKeys(t *testing.T, e kv.Engine, prefix string) int {
	t.Helper()
	n := 0
	if err := e.View(context.Background(), func(r kv.Reader) error {
		return r.Scan([]byte(prefix), nil, 0, func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A running portal moves from LevelDB to PostgreSQL and back: every key arrives, as
// counted per kind and by checksum, and a side's records (attachments beside LevelDB)
// go into PostgreSQL and come back beside LevelDB.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, sideRecs := range []int{0, 30} {
		t.Run(fmt.Sprintf("side of %d", sideRecs), func(t *testing.T) {
			src := kv.Store{Engine: leveldb(t)}
			if sideRecs > 0 {
				src.Side = newSide(sideRecs)
			}
			fill(t, src.Engine, 1200) // more than one batch
			want, err := kv.Summarize(ctx, src)
			if err != nil || want.Kinds["file"] != sideRecs {
				t.Fatalf("%v %v", want, err)
			}
			pg := kv.Store{Engine: postgres(t)}
			got, err := kv.Copy(ctx, src, pg)
			if err != nil || got.Checksum != want.Checksum || got.Kinds["case"] != 1200 || got.Kinds["idx"] != 1200 || got.Kinds["user"] != 1 || got.Kinds["file"] != sideRecs {
				t.Fatalf("to PostgreSQL: %v, %v; want %v", got, err, want)
			}
			if n := engineKeys(t, pg.Engine, "file/"); n != sideRecs {
				t.Errorf("PostgreSQL holds %d of the side's records, want %d", n, sideRecs)
			}
			back := kv.Store{Engine: leveldb(t), Side: newSide(0)}
			if got, err := kv.Copy(ctx, pg, back); err != nil || got.Checksum != want.Checksum {
				t.Fatalf("back to LevelDB: %v, %v", got, err)
			}
			if n := engineKeys(t, back.Engine, "file/"); n != 0 || len(back.Side.(*side).recs) != sideRecs {
				t.Errorf("back in LevelDB: %d records in the engine, %d beside it; want 0 and %d", n, len(back.Side.(*side).recs), sideRecs)
			}
			if _, err := kv.Copy(ctx, src, back); !errors.Is(err, kv.ErrNotEmpty) {
				t.Errorf("copy into a store with data: %v", err)
			}
		})
	}
}

// A store whose side alone holds data is not empty.
func TestCopyIntoASideWithData(t *testing.T) {
	ctx := context.Background()
	src := kv.Store{Engine: leveldb(t)}
	fill(t, src.Engine, 3)
	if _, err := kv.Copy(ctx, src, kv.Store{Engine: leveldb(t), Side: newSide(1)}); !errors.Is(err, kv.ErrNotEmpty) {
		t.Errorf("copy: %v", err)
	}
	var backup bytes.Buffer
	if _, err := kv.Dump(ctx, src, &backup); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Restore(ctx, &backup, kv.Store{Engine: leveldb(t), Side: newSide(1)}); !errors.Is(err, kv.ErrNotEmpty) {
		t.Errorf("restore: %v", err)
	}
}

// A key both in the engine and beside it is an error, not a record written twice.
func TestSideAndEngineDisagree(t *testing.T) {
	e := leveldb(t)
	e.Update(context.Background(), func(tx kv.Tx) error { tx.Put([]byte("file/0002"), []byte("x")); return nil })
	_, err := kv.Dump(context.Background(), kv.Store{Engine: e, Side: newSide(5)}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "file/0002") {
		t.Errorf("Dump = %v", err)
	}
}

func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	src := kv.Store{Engine: leveldb(t), Side: newSide(40)}
	fill(t, src.Engine, 700)
	var backup bytes.Buffer
	stats, err := kv.Dump(ctx, src, &backup)
	if err != nil {
		t.Fatal(err)
	}
	// The same records in PostgreSQL make the same backup, byte for byte.
	pg := kv.Store{Engine: postgres(t)}
	if _, err := kv.Copy(ctx, src, pg); err != nil {
		t.Fatal(err)
	}
	var pgBackup bytes.Buffer
	if _, err := kv.Dump(ctx, pg, &pgBackup); err != nil || !bytes.Equal(pgBackup.Bytes(), backup.Bytes()) {
		t.Errorf("the backup of PostgreSQL differs from LevelDB's with its side (%v)", err)
	}
	for name, s := range map[string]kv.Store{
		"leveldb":           {Engine: leveldb(t)},
		"leveldb with side": {Engine: leveldb(t), Side: newSide(0)},
		"postgres":          {Engine: postgres(t)},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := kv.Restore(ctx, bytes.NewReader(backup.Bytes()), s)
			if err != nil || got.Checksum != stats.Checksum || got.Kinds["file"] != 40 || got.Bytes["file"] != 40*39/2 {
				t.Fatalf("%v, %v; want %v", got, err, stats)
			}
			if sum, _ := kv.Summarize(ctx, s); sum.Checksum != stats.Checksum {
				t.Errorf("restored store sums to %s", sum.Checksum)
			}
			if s.Side != nil {
				if n := engineKeys(t, s.Engine, "file/"); n != 0 || len(s.Side.(*side).recs) != 40 {
					t.Errorf("%d of the side's records in the engine, %d beside it", n, len(s.Side.(*side).recs))
				}
			}
		})
	}
	damaged := bytes.Clone(backup.Bytes())
	damaged[len(damaged)/2] ^= 1
	for name, b := range map[string][]byte{"damaged": damaged, "cut off": backup.Bytes()[:backup.Len()/2], "not a backup": []byte("hello")} {
		t.Run(name, func(t *testing.T) {
			if _, err := kv.Restore(ctx, bytes.NewReader(b), kv.Store{Engine: leveldb(t)}); err == nil {
				t.Error("restored")
			}
		})
	}
}
