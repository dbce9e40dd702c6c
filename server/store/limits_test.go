package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lomake/lomake/server/ratelimit"
)

// Limits kept in the store hold for every instance that shares it.
func TestRateLimitsInTheStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		rule := ratelimit.Rule{Burst: 10, Every: time.Minute}
		a := ratelimit.New("sends", rule, func() time.Time { return now }, s.RateLimits())
		b := ratelimit.New("sends", rule, func() time.Time { return now }, s.RateLimits()) // another instance
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := a
				if i%2 == 1 {
					l = b
				}
				ok, _, err := l.Allow(ctx, "user:tessa")
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					allowed++
				}
			}()
		}
		wg.Wait()
		if allowed != 10 {
			t.Errorf("%d of 30 allowed; want the burst of 10 across both", allowed)
		}
		if ok, retry, _ := a.Allow(ctx, "user:tessa"); ok || retry != time.Minute {
			t.Errorf("past the burst: ok %v, retry %v", ok, retry)
		}
		if ok, _, _ := a.Allow(ctx, "user:joni"); !ok {
			t.Error("another user is limited")
		}
		now = now.Add(time.Hour)
		if n, err := a.Sweep(ctx); err != nil || n != 2 || countPrefix(t, s, "ratelimit/") != 0 {
			t.Errorf("swept %d (%v), %d left", n, err, countPrefix(t, s, "ratelimit/"))
		}
	})
}

// One instance at a time holds a job's lease; a lapsed lease passes to another.
func TestLeases(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		a, b := s.Leases("a"), s.Leases("b")
		a.now = func() time.Time { return now }
		b.now = a.now
		claim := func(l Leases) bool {
			ok, err := l.Claim(ctx, "sweep", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim(a) || claim(b) || !claim(a) {
			t.Fatal("a holds the lease and renews it; b may not take it")
		}
		now = now.Add(2 * time.Minute)
		if !claim(b) || claim(a) {
			t.Error("the lapsed lease did not pass to b alone")
		}
	})
}
