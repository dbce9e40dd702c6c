// Package ratelimit bounds how often one key (a user, a client address) may do a thing:
// a token bucket per key, refilled at a steady rate, with a burst for honest spikes
// such as an offline outbox sending ten forms at once. The buckets live in memory, or in
// the store that several server instances share, so that a limit holds across them.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"
)

// Rule is a burst and a sustained rate.
type Rule struct {
	Burst int           // requests allowed at once
	Every time.Duration // one more request allowed per Every
}

// off reports a rule that allows everything.
func (r Rule) off() bool { return r.Burst <= 0 || r.Every <= 0 }

// State is one bucket: the tokens it held at a time. The zero State is a full bucket.
type State struct {
	Tokens float64   `json:"t"`
	At     time.Time `json:"at"`
}

// Take takes one token from s at now: the new state, whether it was allowed, and when a
// refused request may try again.
func (r Rule) Take(s State, now time.Time) (State, bool, time.Duration) {
	tokens := r.level(s, now)
	if tokens >= 1 {
		return State{Tokens: tokens - 1, At: now}, true, 0
	}
	return State{Tokens: tokens, At: now}, false, time.Duration((1 - tokens) * float64(r.Every))
}

// Full reports whether s has refilled completely: it then behaves like a new bucket and
// need not be kept.
func (r Rule) Full(s State, now time.Time) bool { return r.level(s, now) >= float64(r.Burst) }

func (r Rule) level(s State, now time.Time) float64 {
	if s.At.IsZero() {
		return float64(r.Burst)
	}
	return math.Min(float64(r.Burst), s.Tokens+float64(now.Sub(s.At))/float64(r.Every))
}

// Buckets keep the buckets of every limiter, by limiter name and key.
type Buckets interface {
	// Take applies rule.Take to the bucket atomically.
	Take(ctx context.Context, name, key string, rule Rule, now time.Time) (ok bool, retry time.Duration, err error)
	// Sweep forgets the limiter's full buckets.
	Sweep(ctx context.Context, name string, rule Rule, now time.Time) (int, error)
}

// Limiter applies one rule to many keys. It is safe for concurrent use.
type Limiter struct {
	name    string
	rule    Rule
	now     func() time.Time
	buckets Buckets
}

// New returns a limiter named name (unique among the limiters sharing buckets). now may
// be nil (the wall clock), buckets nil (in memory, for one instance). A zero rule
// allows everything.
func New(name string, rule Rule, now func() time.Time, buckets Buckets) *Limiter {
	if now == nil {
		now = time.Now
	}
	if buckets == nil {
		buckets = NewMemory()
	}
	return &Limiter{name: name, rule: rule, now: now, buckets: buckets}
}

// Allow takes one request for key. When it is refused, retry says when one will be
// allowed again. When the buckets cannot be reached the request is allowed: a limit is
// a defence against floods, not a reason to turn residents away, and err says why.
func (l *Limiter) Allow(ctx context.Context, key string) (ok bool, retry time.Duration, err error) {
	if l == nil || l.rule.off() {
		return true, 0, nil
	}
	ok, retry, err = l.buckets.Take(ctx, l.name, key, l.rule, l.now())
	if err != nil {
		return true, 0, err
	}
	return ok, retry, nil
}

// Sweep forgets keys whose buckets are full again (a job).
func (l *Limiter) Sweep(ctx context.Context) (int, error) {
	if l == nil || l.rule.off() {
		return 0, nil
	}
	return l.buckets.Sweep(ctx, l.name, l.rule, l.now())
}

// maxKeys bounds the memory of in-memory buckets between sweeps.
const maxKeys = 100_000

// Memory keeps buckets in this process.
type Memory struct {
	mu      sync.Mutex
	buckets map[[2]string]State
}

// NewMemory returns empty in-memory buckets.
func NewMemory() *Memory { return &Memory{buckets: map[[2]string]State{}} }

// Take implements Buckets.
func (m *Memory) Take(_ context.Context, name, key string, rule Rule, now time.Time) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{name, key}
	s, seen := m.buckets[k]
	if !seen && len(m.buckets) >= maxKeys {
		m.sweep(name, rule, now) // a flood of new keys: do not wait for the job
	}
	s, ok, retry := rule.Take(s, now)
	m.buckets[k] = s
	return ok, retry, nil
}

// Sweep implements Buckets.
func (m *Memory) Sweep(_ context.Context, name string, rule Rule, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sweep(name, rule, now), nil
}

func (m *Memory) sweep(name string, rule Rule, now time.Time) int {
	n := 0
	for k, s := range m.buckets {
		if k[0] == name && rule.Full(s, now) {
			delete(m.buckets, k)
			n++
		}
	}
	return n
}

// Len is how many buckets are kept.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}
