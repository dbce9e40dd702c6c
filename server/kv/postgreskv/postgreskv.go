// Package postgreskv is the shared engine of package kv: a PostgreSQL database that
// several server instances use at once.
//
// It uses only what the PostgreSQL-compatible distributed databases (CockroachDB,
// YugabyteDB) also offer: one table ordered by its primary key, SERIALIZABLE
// transactions retried on serialization failures (SQLSTATE 40001), upserts, and
// versioned migrations in a table of their own; no sequences, advisory locks or
// LISTEN/NOTIFY.
package postgreskv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lomake/lomake/server/kv"
)

// migrations are applied in order, each once, at Open. Append; never edit one that has
// shipped.
var migrations = []string{
	1: `CREATE TABLE IF NOT EXISTS kv (k BYTEA PRIMARY KEY, v BYTEA NOT NULL)`,
}

// maxAttempts bounds the retries of a transaction that keeps conflicting.
const maxAttempts = 50

// DB is a PostgreSQL engine.
type DB struct {
	pool   *pgxpool.Pool
	writer *kv.Writer
	closed atomic.Bool
	// conflicts counts transactions run again after a serialization failure.
	conflicts atomic.Int64
}

// Conflicts is how many times a transaction lost to another and ran again.
func (d *DB) Conflicts() int64 { return d.conflicts.Load() }

// Open connects to the database at url (postgres://…) and applies the migrations it
// lacks.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: DATABASE_URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	d := &DB{pool: pool}
	if err := d.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	d.writer = kv.NewWriter(maxGroup, d.commit)
	return d, nil
}

// migrate applies the missing migrations, each in its own transaction with its version
// row, so that instances starting together apply each exactly once.
func (d *DB) migrate(ctx context.Context) error {
	if err := d.serializable(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS lomake_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)`)
		return err
	}); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	for v := 1; v < len(migrations); v++ {
		err := d.serializable(ctx, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM lomake_migrations WHERE version = $1`, v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO lomake_migrations (version, applied_at) VALUES ($1, now())`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %d: %w", v, err)
		}
	}
	return nil
}

// Close stops the writer, failing transactions it has not taken, and closes the
// connections. A group being committed finishes first.
func (d *DB) Close() error {
	if !d.closed.CompareAndSwap(false, true) {
		return kv.ErrClosed
	}
	d.writer.Stop()
	d.pool.Close()
	return nil
}

// View runs fn in a read-only REPEATABLE READ transaction: one snapshot.
func (d *DB) View(ctx context.Context, fn func(kv.Reader) error) error {
	if d.closed.Load() {
		return kv.ErrClosed
	}
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(&txn{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Update queues fn for this instance's writer and waits for its transaction to commit.
// The writer runs every queued fn in one SERIALIZABLE transaction, each seeing the
// writes of those before it (group commit): one commit, and one chance to conflict with
// another instance, for many callers. When PostgreSQL reports a conflict the whole group
// runs again from the start. If ctx ends first, Update returns ctx's error; the
// transaction may then still commit.
func (d *DB) Update(ctx context.Context, fn func(kv.Tx) error) error {
	if d.closed.Load() {
		return kv.ErrClosed
	}
	return d.writer.Submit(ctx, fn)
}

// maxGroup bounds the transactions that share one commit: a longer transaction would
// conflict more often with the other instances'.
const maxGroup = 64

// commit runs a group in one transaction, again while it conflicts, and answers each.
func (d *DB) commit(group []*kv.Request) {
	results := make([]error, len(group))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := d.serializable(ctx, func(tx pgx.Tx) error {
		pending := kv.Overlay{}
		for i, r := range group {
			results[i] = nil
			if err := r.Ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			t := &txn{ctx: ctx, tx: tx, group: pending, own: kv.Overlay{}}
			err := kv.Call(r.Fn, t)
			if t.err != nil {
				return t.err // a read failed: the transaction is lost, run the group again
			}
			if err != nil {
				results[i] = err // this caller's own refusal; the others go on
				continue
			}
			for k, e := range t.own {
				pending[k] = e
			}
		}
		return flush(ctx, tx, pending)
	})
	for i, r := range group {
		if err != nil && results[i] == nil {
			results[i] = err
		}
		r.Reply(results[i])
	}
}

func (d *DB) serializable(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			// Back off a little, at random, so that the same transactions do not
			// collide again in lockstep.
			wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err = d.attempt(ctx, fn)
		if err != nil && retryable(err) {
			d.conflicts.Add(1)
		}
		if err == nil || !retryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

func (d *DB) attempt(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// retryable reports a serialization failure or deadlock: the transaction lost to
// another and may simply run again. Unique violations count too: two transactions that
// both found a key missing and inserted it.
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40001", "40P01", "23505":
			return true
		case "42P07", "42710":
			// Instances starting together both create a table IF NOT EXISTS; the
			// loser sees it exist on its next try.
			return true
		}
	}
	return false
}

// txn buffers its writes and applies them at the end, reading through its own writes
// and those of the group's earlier transactions meanwhile.
type txn struct {
	ctx        context.Context
	tx         pgx.Tx
	group, own kv.Overlay // nil in a View
	err        error      // a failed read: the transaction must not commit
}

func (t *txn) Get(key []byte) ([]byte, error) {
	if v, ok, err := kv.Lookup(key, t.own, t.group); ok {
		return v, err
	}
	var v []byte
	err := t.tx.QueryRow(t.ctx, `SELECT v FROM kv WHERE k = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		t.fail(err)
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return v, nil
}

func (t *txn) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

func (t *txn) Put(key, value []byte) {
	v := make([]byte, len(value)) // never nil: an empty value is not NULL
	copy(v, value)
	t.own[string(key)] = kv.Entry{Value: v}
}

func (t *txn) Delete(key []byte) { t.own[string(key)] = kv.Entry{Deleted: true} }

// Lazy is a no-op: PostgreSQL commits durably (a distributed engine has no cheaper way).
func (t *txn) Lazy() {}

func (t *txn) Scan(prefix, start []byte, limit int, fn func(key, value []byte) error) error {
	lo := prefix
	if start != nil && bytes.Compare(start, lo) > 0 {
		lo = start
	}
	m := kv.NewMerge(prefix, start, t.own, t.group)
	// Read in pages so that a limit or an early stop costs little.
	page := 256
	if limit > 0 && limit+m.Len() < page {
		page = limit + m.Len()
	}
	it := &rowIterator{t: t, from: lo, inclusive: true, hi: kv.PrefixEnd(prefix), page: page}
	if err := m.Scan(it, limit, fn); err != nil {
		return err
	}
	if it.err != nil {
		t.fail(it.err)
		return fmt.Errorf("postgres: %w", it.err)
	}
	return nil
}

// rowIterator reads the stored keys from from (inclusive or not) to hi (nil: the
// end), page keys at a time.
type rowIterator struct {
	t         *txn
	from      []byte
	inclusive bool
	hi        []byte
	page      int
	rows      []row
	i         int  // the current row, once Next has been called
	last      bool // rows is the last page
	err       error
}

func (r *rowIterator) Next() bool {
	if r.i+1 < len(r.rows) {
		r.i++
		return true
	}
	if r.last || r.err != nil {
		return false
	}
	if n := len(r.rows); n > 0 {
		r.from, r.inclusive = r.rows[n-1].k, false
	}
	r.rows, r.err = r.t.rows(r.from, r.inclusive, r.hi, r.page)
	r.i, r.last = 0, len(r.rows) < r.page
	return r.err == nil && len(r.rows) > 0
}

func (r *rowIterator) Key() []byte   { return r.rows[r.i].k }
func (r *rowIterator) Value() []byte { return r.rows[r.i].v }
func (r *rowIterator) Error() error  { return r.err }

type row struct{ k, v []byte }

func (t *txn) rows(from []byte, inclusive bool, hi []byte, limit int) ([]row, error) {
	op := ">"
	if inclusive {
		op = ">="
	}
	q := `SELECT k, v FROM kv WHERE k ` + op + ` $1`
	args := []any{from}
	if from == nil {
		args[0] = []byte{}
	}
	if hi != nil {
		q += ` AND k < $2`
		args = append(args, hi)
	}
	q += fmt.Sprintf(` ORDER BY k LIMIT %d`, limit)
	rs, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.k, &r.v); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// flush writes a group's writes in one round trip.
func flush(ctx context.Context, tx pgx.Tx, writes kv.Overlay) error {
	if len(writes) == 0 {
		return nil
	}
	// In key order: two instances' groups that write the same keys then lock them in the
	// same order, and conflict rather than deadlock (which PostgreSQL notices only after
	// deadlock_timeout).
	keys := make([]string, 0, len(writes))
	for k := range writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := &pgx.Batch{}
	for _, k := range keys {
		e := writes[k]
		if e.Deleted {
			b.Queue(`DELETE FROM kv WHERE k = $1`, []byte(k))
		} else {
			b.Queue(`INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`, []byte(k), e.Value)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}
