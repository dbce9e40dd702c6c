package store

// Rate limits and job leases: what several instances sharing a store must agree on.
//
// Keys:
//
//	ratelimit/<limiter>/<key> → ratelimit.State as JSON
//	lease/<job>               → lease as JSON
//
// Rate-limit writes are lazy (not synced): after a crash a resident may get a few more
// requests than the limit, which is harmless.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/ratelimit"
)

// RateLimits are rate-limit buckets kept in the store.
func (s *Store) RateLimits() ratelimit.Buckets { return buckets{s.Engine()} }

type buckets struct{ e kv.Engine }

func bucketKey(name, key string) []byte { return []byte("ratelimit/" + name + "/" + key) }

func (b buckets) Take(ctx context.Context, name, key string, rule ratelimit.Rule, now time.Time) (bool, time.Duration, error) {
	var ok bool
	var retry time.Duration
	err := b.e.Update(ctx, func(tx kv.Tx) error {
		var st ratelimit.State
		v, err := tx.Get(bucketKey(name, key))
		switch {
		case err == nil:
			if err := json.Unmarshal(v, &st); err != nil {
				st = ratelimit.State{} // a damaged bucket is a full one
			}
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		st, ok, retry = rule.Take(st, now)
		data, _ := json.Marshal(st)
		tx.Put(bucketKey(name, key), data)
		tx.Lazy()
		return nil
	})
	if err != nil {
		return false, 0, fmt.Errorf("store: rate limit %s: %w", name, err)
	}
	return ok, retry, nil
}

// sweepBatch bounds the deletions of one transaction.
const sweepBatch = 500

func (b buckets) Sweep(ctx context.Context, name string, rule ratelimit.Rule, now time.Time) (int, error) {
	prefix := []byte("ratelimit/" + name + "/")
	var full [][]byte
	err := b.e.View(ctx, func(r kv.Reader) error {
		return r.Scan(prefix, nil, 0, func(k, v []byte) error {
			var st ratelimit.State
			if json.Unmarshal(v, &st) != nil || rule.Full(st, now) {
				full = append(full, append([]byte(nil), k...))
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: sweeping rate limits: %w", err)
	}
	n := 0
	for len(full) > 0 {
		chunk := full[:min(sweepBatch, len(full))]
		full = full[len(chunk):]
		deleted := 0
		err := b.e.Update(ctx, func(tx kv.Tx) error {
			deleted = 0
			for _, k := range chunk {
				// Checked again: a request may have taken from it since the scan.
				v, err := tx.Get(k)
				if errors.Is(err, kv.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				var st ratelimit.State
				if json.Unmarshal(v, &st) == nil && !rule.Full(st, now) {
					continue
				}
				tx.Delete(k)
				deleted++
			}
			tx.Lazy()
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("store: sweeping rate limits: %w", err)
		}
		n += deleted
	}
	return n, nil
}

// Leases are job leases kept in the store, claimed by holder (this instance).
func (s *Store) Leases(holder string) Leases {
	return Leases{e: s.Engine(), holder: holder, now: time.Now}
}

// Leases lets one instance at a time run each job.
type Leases struct {
	e      kv.Engine
	holder string
	now    func() time.Time
}

type lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

// Claim takes or renews the job's lease for ttl, unless another holder's lease is still
// running.
func (l Leases) Claim(ctx context.Context, job string, ttl time.Duration) (bool, error) {
	var ok bool
	err := l.e.Update(ctx, func(tx kv.Tx) error {
		ok = false
		now := l.now()
		key := []byte("lease/" + job)
		v, err := tx.Get(key)
		switch {
		case err == nil:
			var cur lease
			if json.Unmarshal(v, &cur) == nil && cur.Holder != l.holder && now.Before(cur.Until) {
				return nil
			}
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		data, _ := json.Marshal(lease{Holder: l.holder, Until: now.Add(ttl)})
		tx.Put(key, data)
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", job, err)
	}
	return ok, nil
}
