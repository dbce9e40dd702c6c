package leveldbkv

import (
	"testing"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/kvtest"
)

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) (kv.Engine, func() kv.Engine) {
		dir := t.TempDir()
		db, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		cur := db
		t.Cleanup(func() { cur.Close() })
		return db, func() kv.Engine {
			cur.Close()
			next, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			cur = next
			return next
		}
	})
}
