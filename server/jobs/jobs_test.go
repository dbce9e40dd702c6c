package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Jobs run at start and at their interval, never two runs of one kind at once, errors
// are logged, and Stop waits for a running job to return.
func TestRunner(t *testing.T) {
	var logs bytes.Buffer
	r := New(slog.New(slog.NewTextHandler(&logs, nil)))
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
