// Package ratelimit bounds how often one key (a user, a client address) may do a thing:
// a token bucket per key, refilled at a steady rate, with a burst for honest spikes
// such as an offline outbox sending ten forms at once.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

// maxKeys bounds memory between sweeps.
const maxKeys = 100_000

// Rule is a burst and a sustained rate.
type Rule struct {
	Burst int           // requests allowed at once
	Every time.Duration // one more request allowed per Every
}

// Limiter applies one rule to many keys. It is safe for concurrent use.
type Limiter struct {
	rule    Rule
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a limiter; now may be nil (the wall clock). A zero rule allows everything.
func New(rule Rule, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rule: rule, now: now, buckets: map[string]*bucket{}}
}

// Allow takes one request for key. When it is refused, retry says when one will be
// allowed again.
func (l *Limiter) Allow(key string) (ok bool, retry time.Duration) {
	if l == nil || l.rule.Burst <= 0 || l.rule.Every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxKeys {
			l.sweep(now) // a flood of new keys: do not wait for the job
		}
		b = &bucket{tokens: float64(l.rule.Burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(l.rule.Burst), b.tokens+float64(now.Sub(b.at))/float64(l.rule.Every))
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.rule.Every))
	return false, wait
}

// Sweep forgets keys whose buckets are full again: they behave exactly like new ones, so
// memory holds only the keys active within the last Burst×Every.
func (l *Limiter) Sweep() int {
	if l == nil || l.rule.Every <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sweep(l.now())
}

func (l *Limiter) sweep(now time.Time) int {
	n := 0
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.rule.Every) >= float64(l.rule.Burst) {
			delete(l.buckets, k)
			n++
		}
	}
	return n
}

// Len is how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
