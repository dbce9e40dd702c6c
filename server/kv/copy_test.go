package kv_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// A running portal moves from LevelDB to PostgreSQL and back: every key arrives, as
// counted per kind and by checksum.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := leveldb(t)
	fill(t, src, 1200) // more than one batch
	want, err := kv.Summarize(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	pg := postgres(t)
	got, err := kv.Copy(ctx, src, pg)
	if err != nil || got.Checksum != want.Checksum || got.Kinds["case"] != 1200 || got.Kinds["idx"] != 1200 || got.Kinds["user"] != 1 {
		t.Fatalf("to PostgreSQL: %v, %v; want %v", got, err, want)
	}
	back := leveldb(t)
	if got, err := kv.Copy(ctx, pg, back); err != nil || got.Checksum != want.Checksum {
		t.Fatalf("back to LevelDB: %v, %v", got, err)
	}
	if _, err := kv.Copy(ctx, src, back); !errors.Is(err, kv.ErrNotEmpty) {
		t.Errorf("copy into a store with data: %v", err)
	}
}

func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	src := leveldb(t)
	fill(t, src, 700)
	var backup bytes.Buffer
	stats, err := kv.Dump(ctx, src, &backup)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]kv.Engine{"leveldb": leveldb(t), "postgres": postgres(t)} {
		t.Run(name, func(t *testing.T) {
			got, err := kv.Restore(ctx, bytes.NewReader(backup.Bytes()), e)
			if err != nil || got.Checksum != stats.Checksum {
				t.Fatalf("%v, %v; want %v", got, err, stats)
			}
			if sum, _ := kv.Summarize(ctx, e); sum.Checksum != stats.Checksum {
				t.Errorf("restored store sums to %s", sum.Checksum)
			}
		})
	}
	damaged := bytes.Clone(backup.Bytes())
	damaged[len(damaged)/2] ^= 1
	for name, b := range map[string][]byte{"damaged": damaged, "cut off": backup.Bytes()[:backup.Len()/2], "not a backup": []byte("hello")} {
		t.Run(name, func(t *testing.T) {
			if _, err := kv.Restore(ctx, bytes.NewReader(b), leveldb(t)); err == nil {
				t.Error("restored")
			}
		})
	}
}
