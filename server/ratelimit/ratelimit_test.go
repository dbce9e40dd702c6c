package ratelimit

import (
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(Rule{Burst: 3, Every: 10 * time.Second}, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, retry := l.Allow("a")
	if ok || retry != 10*time.Second {
		t.Errorf("4th: ok %v retry %v, want refused for 10s", ok, retry)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("not refilled after Every")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("refilled more than one")
	}
	now = now.Add(time.Hour)
	if n := l.Sweep(); n != 2 || l.Len() != 0 {
		t.Errorf("swept %d, %d left; want both idle keys forgotten", n, l.Len())
	}
}

func TestZeroRuleAllowsEverything(t *testing.T) {
	l := New(Rule{}, nil)
	for range 1000 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatal("refused")
		}
	}
}
