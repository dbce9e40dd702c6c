// Package leveldbkv is the embedded engine of package kv: a LevelDB directory that one
// process owns.
//
// Transactions run one after another on a single writer goroutine, so they are
// serializable without conflicts to retry. The writer takes every transaction that is
// waiting, runs them in turn (each sees the writes of those before it), and commits the
// group as one synced batch: many callers share one fsync (group commit). A group whose
// write fails fails every transaction in it, and none of their writes is ever visible.
package leveldbkv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/syndtr/goleveldb/leveldb"
	lerrors "github.com/syndtr/goleveldb/leveldb/errors"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/lomake/lomake/server/kv"
)

// maxGroup bounds how many transactions share one synced write.
const maxGroup = 256

// DB is a LevelDB engine.
type DB struct {
	db *leveldb.DB
	// Write commits a batch; it is the database's Write except in tests that need a
	// commit to fail.
	Write func(*leveldb.Batch, *opt.WriteOptions) error

	writer *kv.Writer
	closed atomic.Bool
}

// Open opens (creating if needed) the LevelDB database in dir.
func Open(dir string) (*DB, error) {
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		switch {
		case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EAGAIN):
			return nil, fmt.Errorf("leveldb: open %s: the database is in use by another process: %w", dir, err)
		case lerrors.IsCorrupted(err):
			return nil, fmt.Errorf("leveldb: open %s: the database is corrupted: %w", dir, err)
		}
		return nil, fmt.Errorf("leveldb: open %s: %w", dir, err)
	}
	d := &DB{db: db, Write: db.Write}
	d.writer = kv.NewWriter(maxGroup, d.commit)
	return d, nil
}

// Close stops the writer, failing transactions it has not taken, and closes the
// database. A group being committed finishes first.
func (d *DB) Close() error {
	if !d.closed.CompareAndSwap(false, true) {
		return kv.ErrClosed
	}
	d.writer.Stop()
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("leveldb: close: %w", err)
	}
	return nil
}

// View runs fn on a snapshot.
func (d *DB) View(ctx context.Context, fn func(kv.Reader) error) error {
	if d.closed.Load() {
		return kv.ErrClosed
	}
	snap, err := d.db.GetSnapshot()
	if err != nil {
		return readError(err)
	}
	defer snap.Release()
	return fn(&txn{base: snap})
}

// Update runs fn on the writer and waits for its group to be durable. If ctx ends
// first, Update returns ctx's error; the transaction may then still commit.
func (d *DB) Update(ctx context.Context, fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrClosed
	}
	return d.writer.Submit(ctx, fn)
}

// Snapshot calls fn with every key and value of a consistent snapshot, in order: a
// backup of a running server.
func (d *DB) Snapshot(fn func(key, value []byte) error) error {
	return d.View(context.Background(), func(r kv.Reader) error { return r.Scan(nil, nil, 0, fn) })
}

// commit runs a group of transactions and writes what they wrote as one batch.
func (d *DB) commit(group []*kv.Request) {
	pending := kv.Overlay{} // the writes of the group's transactions so far
	var ok []*kv.Request
	lazy := true
	for _, r := range group {
		if err := r.Ctx.Err(); err != nil {
			r.Reply(err)
			continue
		}
		t := &txn{base: d.db, group: pending, own: kv.Overlay{}}
		if err := kv.Call(r.Fn, t); err != nil {
			r.Reply(err)
			continue
		}
		for k, v := range t.own {
			pending[k] = v
		}
		lazy = lazy && t.lazy
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return
	}
	b := new(leveldb.Batch)
	for k, e := range pending {
		if e.Deleted {
			b.Delete([]byte(k))
		} else {
			b.Put([]byte(k), e.Value)
		}
	}
	err := d.Write(b, &opt.WriteOptions{Sync: !lazy})
	if err != nil {
		err = fmt.Errorf("leveldb: write %d transactions: %w", len(ok), err)
	}
	for _, r := range ok {
		r.Reply(err)
	}
}

// iteratorI is the part of LevelDB's iterator that scans use.
type iteratorI interface {
	kv.Iterator
	Release()
}

// txn reads through its own writes, then the group's, then the database.
type txn struct {
	base interface {
		Get([]byte, *opt.ReadOptions) ([]byte, error)
	}
	group, own kv.Overlay
	lazy       bool
}

func (t *txn) Get(key []byte) ([]byte, error) {
	if v, ok, err := kv.Lookup(key, t.own, t.group); ok {
		return v, err
	}
	v, err := t.base.Get(key, nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		return nil, readError(err)
	}
	return v, nil
}

func (t *txn) Put(key, value []byte) {
	t.own[string(key)] = kv.Entry{Value: append([]byte(nil), value...)}
}

func (t *txn) Delete(key []byte) { t.own[string(key)] = kv.Entry{Deleted: true} }

func (t *txn) Lazy() { t.lazy = true }

func (t *txn) Scan(prefix, start []byte, limit int, fn func(key, value []byte) error) error {
	lo := prefix
	if start != nil && bytes.Compare(start, lo) > 0 {
		lo = start
	}
	rng := &util.Range{Start: lo, Limit: kv.PrefixEnd(prefix)}
	var it iteratorI
	switch b := t.base.(type) {
	case *leveldb.DB:
		it = b.NewIterator(rng, nil)
	case *leveldb.Snapshot:
		it = b.NewIterator(rng, nil)
	default:
		return fmt.Errorf("leveldb: scan on %T", b)
	}
	defer it.Release()
	if err := kv.NewMerge(prefix, start, t.own, t.group).Scan(it, limit, fn); err != nil {
		return err
	}
	if err := it.Error(); err != nil {
		return readError(err)
	}
	return nil
}

// readError calls out corruption, which needs an operator rather than a retry.
func readError(err error) error {
	if lerrors.IsCorrupted(err) {
		return fmt.Errorf("leveldb: the database is corrupted: %w", err)
	}
	return fmt.Errorf("leveldb: %w", err)
}
