package ratelimit

import (
	"context"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	mem := NewMemory()
	l := New("sends", Rule{Burst: 3, Every: 10 * time.Second}, func() time.Time { return now }, mem)
	allow := func(key string) (bool, time.Duration) {
		ok, retry, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok, retry
	}
	for i := range 3 {
		if ok, _ := allow("a"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	if ok, retry := allow("a"); ok || retry != 10*time.Second {
		t.Errorf("4th: ok %v retry %v, want refused for 10s", ok, retry)
	}
	if ok, _ := allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	other := New("drafts", Rule{Burst: 1, Every: time.Hour}, func() time.Time { return now }, mem)
	if ok, _, _ := other.Allow(ctx, "a"); !ok {
		t.Error("another limiter shares the bucket")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := allow("a"); !ok {
		t.Error("not refilled after Every")
	}
	if ok, _ := allow("a"); ok {
		t.Error("refilled more than one")
	}
	now = now.Add(time.Hour)
	if n, _ := l.Sweep(ctx); n != 2 || mem.Len() != 1 {
		t.Errorf("swept %d, %d left; want both idle keys of this limiter forgotten, the other's kept", n, mem.Len())
	}
}

func TestZeroRuleAllowsEverything(t *testing.T) {
	l := New("x", Rule{}, nil, nil)
	for range 1000 {
		if ok, _, _ := l.Allow(context.Background(), "a"); !ok {
			t.Fatal("refused")
		}
	}
}
