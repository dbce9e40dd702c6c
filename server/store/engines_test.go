package store

import (
	"bytes"
	"context"
	"testing"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// engines are the engines every storage rule runs on. Each gives a test a fresh, empty
// database and a function that opens a Store on it (again and again: a restart).
var engines = []struct {
	name string
	db   func(t testing.TB) func() (*Store, error)
}{
	{"leveldb", func(t testing.TB) func() (*Store, error) {
		dir := t.TempDir()
		return func() (*Store, error) { return OpenURL(context.Background(), dir) }
	}},
	{"postgres", func(t testing.TB) func() (*Store, error) {
		url := pgtest.URL(t)
		return func() (*Store, error) { return OpenURL(context.Background(), url) }
	}},
}

// forEachEngine runs test once on each engine, on a fresh database. open opens a Store
// on that database and closes it when the test ends; to restart, Close the store and
// open again.
func forEachEngine(t *testing.T, test func(t *testing.T, open func() *Store)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			db := e.db(t)
			test(t, func() *Store {
				t.Helper()
				s, err := db()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() }) // an error if the test closed it already
				return s
			})
		})
	}
}

// countPrefix counts the keys under prefix.
func countPrefix(t testing.TB, s *Store, prefix string) int {
	t.Helper()
	n := 0
	if err := s.Engine().View(context.Background(), func(r kv.Reader) error {
		return r.Scan([]byte(prefix), nil, 0, func(_, _ []byte) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// eachEntry calls fn with every key and value in the store.
func eachEntry(t testing.TB, s *Store, fn func(k, v []byte)) {
	t.Helper()
	if err := s.Engine().View(context.Background(), func(r kv.Reader) error {
		return r.Scan(nil, nil, 0, func(k, v []byte) error { fn(bytes.Clone(k), bytes.Clone(v)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
}

// OpenURL takes a PostgreSQL URL for PostgreSQL, anything without a scheme for a
// LevelDB directory, and refuses other schemes rather than making a directory of them.
func TestOpenURLScheme(t *testing.T) {
	for where, want := range map[string]string{
		"postgres://u@db/lomake":   "postgres",
		"postgresql://u@db/lomake": "postgresql",
		"POSTGRES://u@db/lomake":   "postgres",
		"./data":                   "",
		"/var/lib/lomake":          "",
		"data/postgres://x":        "",
		"mysql://u@db/lomake":      "mysql",
	} {
		if got := scheme(where); got != want {
			t.Errorf("scheme(%q) = %q, want %q", where, got, want)
		}
	}
	dir := t.TempDir()
	s, err := OpenURL(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.Engine().(*leveldbkv.DB); !ok {
		t.Errorf("OpenURL(a directory) opened %T", s.Engine())
	}
	if s, err := OpenURL(context.Background(), "mysql://u@db/lomake"); err == nil {
		s.Close()
		t.Error("OpenURL(mysql://…) succeeded")
	}
}
