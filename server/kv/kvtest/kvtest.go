// Package kvtest is the conformance suite of package kv: every engine runs it, so that
// the storage rules above the seam behave alike on each.
package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/lomake/lomake/server/kv"
)

// Opener opens an engine on a fresh, empty store. reopen closes it and opens the same
// store again, as a restart would.
type Opener func(t *testing.T) (e kv.Engine, reopen func() kv.Engine)

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	ctx := context.Background()
	put := func(t *testing.T, e kv.Engine, kvs ...string) {
		t.Helper()
		if err := e.Update(ctx, func(tx kv.Tx) error {
			for i := 0; i+1 < len(kvs); i += 2 {
				tx.Put([]byte(kvs[i]), []byte(kvs[i+1]))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(t *testing.T, e kv.Engine, key string) (string, error) {
		t.Helper()
		var v []byte
		err := e.View(ctx, func(r kv.Reader) error {
			got, err := r.Get([]byte(key))
			v = bytes.Clone(got)
			return err
		})
		return string(v), err
	}
	scan := func(t *testing.T, r kv.Reader, prefix, start string, limit int) string {
		t.Helper()
		var out []string
		var s []byte
		if start != "" {
			s = []byte(start)
		}
		if err := r.Scan([]byte(prefix), s, limit, func(k, v []byte) error {
			out = append(out, string(k)+"="+string(v))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(out)
	}

	t.Run("get, put, delete", func(t *testing.T) {
		e, _ := open(t)
		if _, err := get(t, e, "a"); !errors.Is(err, kv.ErrNotFound) {
			t.Fatalf("missing key: %v", err)
		}
		put(t, e, "a", "1", "b", "")
		if v, err := get(t, e, "a"); v != "1" || err != nil {
			t.Errorf("a = %q, %v", v, err)
		}
		if v, err := get(t, e, "b"); v != "" || err != nil {
			t.Errorf("an empty value: %q, %v", v, err)
		}
		if err := e.Update(ctx, func(tx kv.Tx) error { tx.Delete([]byte("a")); tx.Delete([]byte("never")); return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := get(t, e, "a"); !errors.Is(err, kv.ErrNotFound) {
			t.Errorf("deleted key: %v", err)
		}
	})

	t.Run("binary keys and values", func(t *testing.T) {
		e, _ := open(t)
		k, v := []byte{0, 0xff, 'x', 0}, []byte{0xff, 0, 1}
		if err := e.Update(ctx, func(tx kv.Tx) error { tx.Put(k, v); return nil }); err != nil {
			t.Fatal(err)
		}
		e.View(ctx, func(r kv.Reader) error {
			got, err := r.Get(k)
			if !bytes.Equal(got, v) || err != nil {
				t.Errorf("got %x, %v", got, err)
			}
			return nil
		})
	})

	t.Run("a failed transaction writes nothing", func(t *testing.T) {
		e, _ := open(t)
		put(t, e, "a", "1")
		boom := errors.New("boom")
		err := e.Update(ctx, func(tx kv.Tx) error {
			tx.Put([]byte("a"), []byte("2"))
			tx.Put([]byte("b"), []byte("2"))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
		if v, _ := get(t, e, "a"); v != "1" {
			t.Errorf("a = %q after a failed transaction", v)
		}
		if _, err := get(t, e, "b"); !errors.Is(err, kv.ErrNotFound) {
			t.Errorf("b written by a failed transaction: %v", err)
		}
	})

	t.Run("a transaction sees its own writes", func(t *testing.T) {
		e, _ := open(t)
		put(t, e, "p/1", "old", "p/2", "two", "p/4", "four", "q/1", "other")
		e.Update(ctx, func(tx kv.Tx) error {
			tx.Put([]byte("p/1"), []byte("new"))
			tx.Put([]byte("p/3"), []byte("three"))
			tx.Delete([]byte("p/2"))
			if v, err := tx.Get([]byte("p/1")); string(v) != "new" || err != nil {
				t.Errorf("own put: %q %v", v, err)
			}
			if _, err := tx.Get([]byte("p/2")); !errors.Is(err, kv.ErrNotFound) {
				t.Errorf("own delete: %v", err)
			}
			if got := scan(t, tx, "p/", "", 0); got != "[p/1=new p/3=three p/4=four]" {
				t.Errorf("scan = %s", got)
			}
			return nil
		})
		e.View(ctx, func(r kv.Reader) error {
			if got := scan(t, r, "p/", "", 0); got != "[p/1=new p/3=three p/4=four]" {
				t.Errorf("after commit: %s", got)
			}
			return nil
		})
	})

	t.Run("scan order, prefix, start and limit", func(t *testing.T) {
		e, _ := open(t)
		put(t, e, "idx/b/2", "", "idx/a/1", "", "idx/b/1", "", "idx/b/10", "", "idx/c", "", "idy/x", "", "idx/b\xff", "")
		e.View(ctx, func(r kv.Reader) error {
			for _, c := range []struct {
				prefix, start string
				limit         int
				want          string
			}{
				{"idx/b/", "", 0, "[idx/b/1= idx/b/10= idx/b/2=]"},
				{"idx/", "", 2, "[idx/a/1= idx/b/1=]"},
				{"idx/b/", "idx/b/10", 0, "[idx/b/10= idx/b/2=]"},
				{"idx/b/", "idx/b/100", 1, "[idx/b/2=]"},
				{"idx/b/", "idx/a", 0, "[idx/b/1= idx/b/10= idx/b/2=]"},
				{"idx/b", "", 0, "[idx/b/1= idx/b/10= idx/b/2= idx/b\xff=]"},
				{"nope/", "", 0, "[]"},
				{"", "idx/c", 0, "[idx/c= idy/x=]"},
			} {
				if got := scan(t, r, c.prefix, c.start, c.limit); got != c.want {
					t.Errorf("Scan(%q, %q, %d) = %s, want %s", c.prefix, c.start, c.limit, got, c.want)
				}
			}
			stop := errors.New("stop")
			n := 0
			err := r.Scan([]byte("idx/"), nil, 0, func(k, v []byte) error { n++; return stop })
			if !errors.Is(err, stop) || n != 1 {
				t.Errorf("stopping a scan: %v after %d", err, n)
			}
			return nil
		})
	})

	t.Run("no lost updates under concurrency", func(t *testing.T) {
		e, _ := open(t)
		const workers, each = 8, 25
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					err := e.Update(ctx, func(tx kv.Tx) error {
						n := 0
						if v, err := tx.Get([]byte("counter")); err == nil {
							n, _ = strconv.Atoi(string(v))
						} else if !errors.Is(err, kv.ErrNotFound) {
							return err
						}
						tx.Put([]byte("counter"), []byte(strconv.Itoa(n+1)))
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if v, _ := get(t, e, "counter"); v != strconv.Itoa(workers*each) {
			t.Errorf("counter = %s, want %d", v, workers*each)
		}
	})

	t.Run("durable across a restart", func(t *testing.T) {
		e, reopen := open(t)
		put(t, e, "kept", "yes")
		e = reopen()
		if v, err := get(t, e, "kept"); v != "yes" || err != nil {
			t.Errorf("after restart: %q %v", v, err)
		}
	})

	t.Run("closed", func(t *testing.T) {
		e, _ := open(t)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if err := e.Update(ctx, func(kv.Tx) error { return nil }); !errors.Is(err, kv.ErrClosed) {
			t.Errorf("Update after Close: %v", err)
		}
		if err := e.View(ctx, func(kv.Reader) error { return nil }); !errors.Is(err, kv.ErrClosed) {
			t.Errorf("View after Close: %v", err)
		}
	})
}
