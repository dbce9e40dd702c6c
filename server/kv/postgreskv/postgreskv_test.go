package postgreskv

import (
	"context"
	"testing"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/kvtest"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) (kv.Engine, func() kv.Engine) {
		url := pgtest.URL(t)
		open := func() kv.Engine {
			db, err := Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		cur := open()
		t.Cleanup(func() { cur.Close() })
		return cur, func() kv.Engine {
			cur.Close()
			cur = open()
			return cur
		}
	})
}

// Instances starting together apply each migration once.
func TestMigrationsOnce(t *testing.T) {
	url := pgtest.URL(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM lomake_migrations`).Scan(&n); err != nil || n != len(migrations)-1 {
		t.Errorf("%d migrations recorded, %v", n, err)
	}
}
