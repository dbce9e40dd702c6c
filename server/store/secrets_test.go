package store

import (
	"bytes"
	"sync"
	"testing"
)

// A secret is made once: callers racing for it, and every restart, get the same bytes.
func TestSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		const n = 8
		var (
			wg   sync.WaitGroup
			got  = make([][]byte, n)
			errs = make([]error, n)
		)
		for i := range n {
			wg.Go(func() { got[i], errs[i] = s.Secret("cookie-key", 32) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
				t.Errorf("call %d: %x, %v; want the one secret %x", i, got[i], errs[i], got[0])
			}
		}
		other, err := s.Secret("other", 32)
		if err != nil || bytes.Equal(other, got[0]) {
			t.Errorf("another secret: %x, %v", other, err)
		}
		s.Close()
		s = open()
		again, err := s.Secret("cookie-key", 32)
		if err != nil || !bytes.Equal(again, got[0]) {
			t.Errorf("after restart: %x, %v; want %x", again, err, got[0])
		}
	})
}
