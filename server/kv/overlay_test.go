package kv_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lomake/lomake/server/kv"
)

// stored is an Iterator over "key=value" pairs in order; when failAt > 0, it fails
// after that many keys.
type stored struct {
	pairs  []string
	n      int // keys given so far
	failAt int
	err    error
}

func (s *stored) Next() bool {
	if s.failAt > 0 && s.n >= s.failAt {
		s.err = errors.New("disk on fire")
		return false
	}
	s.n++
	return s.n <= len(s.pairs)
}

func (s *stored) Key() []byte   { k, _, _ := strings.Cut(s.pairs[s.n-1], "="); return []byte(k) }
func (s *stored) Value() []byte { _, v, _ := strings.Cut(s.pairs[s.n-1], "="); return []byte(v) }
func (s *stored) Error() error  { return s.err }

// overlay reads "key=value" as a write and "-key" as a deletion.
func overlay(writes ...string) kv.Overlay {
	o := kv.Overlay{}
	for _, w := range writes {
		if k, ok := strings.CutPrefix(w, "-"); ok {
			o[k] = kv.Entry{Deleted: true}
			continue
		}
		k, v, _ := strings.Cut(w, "=")
		o[k] = kv.Entry{Value: []byte(v)}
	}
	return o
}

func TestMergeScan(t *testing.T) {
	base := []string{"p/1=old", "p/2=two", "p/4=four", "q/1=other"}
	for _, c := range []struct {
		name          string
		stored        []string
		own, group    kv.Overlay
		prefix, start string
		limit         int
		want          string
	}{
		{"nothing written", base, nil, nil, "p/", "", 0, "p/1=old p/2=two p/4=four"},
		{"nothing stored", nil, overlay("p/2=b", "p/1=a", "q/1=x"), nil, "p/", "", 0, "p/1=a p/2=b"},
		{"puts and deletes", base, overlay("p/1=new", "p/3=three", "-p/2", "-p/9"), nil, "p/", "", 0, "p/1=new p/3=three p/4=four"},
		{"written before and after the stored keys", base, overlay("p/0=zero", "p/5=five"), nil, "p/", "", 0, "p/0=zero p/1=old p/2=two p/4=four p/5=five"},
		{"own writes win over the group's", base, overlay("p/1=own", "-p/4"), overlay("p/1=group", "p/3=group", "p/4=group", "-p/2"), "p/", "", 0, "p/1=own p/3=group"},
		{"the group's writes", base, nil, overlay("p/2=group", "p/3=three"), "p/", "", 0, "p/1=old p/2=group p/3=three p/4=four"},
		{"from start", base, overlay("p/1=new", "p/3=three"), nil, "p/", "p/2", 0, "p/2=two p/3=three p/4=four"},
		{"a start before the prefix", base, overlay("o/1=x", "p/3=three"), nil, "p/", "o", 0, "p/1=old p/2=two p/3=three p/4=four"},
		{"limit counts both", base, overlay("p/0=zero", "-p/1"), nil, "p/", "", 2, "p/0=zero p/2=two"},
		{"limit on written keys", nil, overlay("p/1=a", "p/2=b", "p/3=c"), nil, "p/", "", 2, "p/1=a p/2=b"},
		{"everything", base, overlay("a=1", "-q/1"), nil, "", "", 0, "a=1 p/1=old p/2=two p/4=four"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var it []string
			for _, p := range c.stored {
				if strings.HasPrefix(p, c.prefix) && p >= c.start {
					it = append(it, p) // what the engine's own range gives
				}
			}
			m := kv.NewMerge([]byte(c.prefix), []byte(c.start), c.own, c.group)
			var got []string
			err := m.Scan(&stored{pairs: it}, c.limit, func(k, v []byte) error {
				got = append(got, string(k)+"="+string(v))
				return nil
			})
			if s := strings.Join(got, " "); s != c.want || err != nil {
				t.Errorf("got %q, %v; want %q", s, err, c.want)
			}
		})
	}
}

func TestMergeScanStops(t *testing.T) {
	m := kv.NewMerge([]byte("p/"), nil, overlay("p/0=zero", "p/5=five"))
	stop := errors.New("stop")
	n := 0
	err := m.Scan(&stored{pairs: []string{"p/1=a", "p/2=b"}}, 0, func(k, v []byte) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("fn's error: %v after %d keys", err, n)
	}

	// A stored scan that fails ends the merge: nothing after it, and the error is the
	// iterator's to tell.
	it := &stored{pairs: []string{"p/1=a", "p/2=b", "p/3=c"}, failAt: 1}
	var got []string
	err = m.Scan(it, 0, func(k, v []byte) error { got = append(got, string(k)); return nil })
	if err != nil || it.Error() == nil || fmt.Sprint(got) != "[p/0 p/1]" {
		t.Errorf("a failed stored scan: %v, %v, %v", got, err, it.Error())
	}
}

func TestLookup(t *testing.T) {
	own, group := overlay("a=own", "-b"), overlay("a=group", "b=group", "c=group", "-d")
	for _, c := range []struct {
		key  string
		want string // "value", "deleted" or "stored"
	}{
		{"a", "own"}, {"b", "deleted"}, {"c", "group"}, {"d", "deleted"}, {"e", "stored"},
	} {
		v, ok, err := kv.Lookup([]byte(c.key), own, group)
		got := string(v)
		switch {
		case !ok && err == nil:
			got = "stored"
		case ok && errors.Is(err, kv.ErrNotFound):
			got = "deleted"
		case !ok || err != nil:
			got = fmt.Sprintf("ok %v, err %v", ok, err)
		}
		if got != c.want {
			t.Errorf("Lookup(%q) = %s, want %s", c.key, got, c.want)
		}
	}
}
