package jobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Jobs run at start and at their interval, never two runs of one kind at once, errors
// are logged, and Stop waits for a running job to return.
func TestRunner(t *testing.T) {
	var logs bytes.Buffer
	r := New(slog.New(slog.NewTextHandler(&logs, nil)), nil)
	var runs, running, overlap atomic.Int32
	r.Add(Job{Name: "slow", Every: 5 * time.Millisecond, Run: func(ctx context.Context) error {
		if running.Add(1) > 1 {
			overlap.Add(1)
		}
		defer running.Add(-1)
		runs.Add(1)
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		}
		return errors.New("disk full")
	}})
	r.Start()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.Stop()
	if runs.Load() < 3 || overlap.Load() > 0 || running.Load() != 0 {
		t.Errorf("runs %d, overlapping %d, still running %d", runs.Load(), overlap.Load(), running.Load())
	}
	if !strings.Contains(logs.String(), "disk full") || !strings.Contains(logs.String(), "job=slow") {
		t.Errorf("errors not logged:\n%s", logs.String())
	}
}

// leases is an in-memory lease table shared by runners, as the store is by instances.
type leases struct {
	mu     sync.Mutex
	holder map[string]*Runner
	until  map[string]time.Time
}

type claimer struct {
	l  *leases
	me *Runner
}

func (c *claimer) Claim(_ context.Context, job string, ttl time.Duration) (bool, error) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	now := time.Now()
	if h := c.l.holder[job]; h != nil && h != c.me && now.Before(c.l.until[job]) {
		return false, nil
	}
	c.l.holder[job], c.l.until[job] = c.me, now.Add(ttl)
	return true, nil
}

// Three instances with one lease table run a job as often as one instance would.
func TestLeasedJobRunsOnceAcrossInstances(t *testing.T) {
	shared := &leases{holder: map[string]*Runner{}, until: map[string]time.Time{}}
	var runs atomic.Int32
	var runners []*Runner
	for range 3 {
		c := &claimer{l: shared}
		r := New(slog.New(slog.NewTextHandler(io.Discard, nil)), c)
		c.me = r
		r.Add(Job{Name: "sweep", Every: 50 * time.Millisecond, Run: func(context.Context) error { runs.Add(1); return nil }})
		runners = append(runners, r)
	}
	for _, r := range runners {
		r.Start()
	}
	time.Sleep(520 * time.Millisecond)
	for _, r := range runners {
		r.Stop()
	}
	// One instance alone: a run at start and about one per 50 ms, 11 in all.
	if n := runs.Load(); n < 5 || n > 14 {
		t.Errorf("%d runs in 520 ms by three instances of a 50 ms job; want about 11", n)
	}
}
