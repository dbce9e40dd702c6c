// Package store persists submitted cases in a LevelDB database.
//
// Keys:
//
//	case/<number>                   → case as JSON
//	counter/<code>/<year>           → last serial handed out, decimal text
//	idx/service/<serviceID>/<number> → empty (index for CasesByService)
//
// All writes go through a single writer goroutine that groups concurrent
// CreateCase calls into one synced batch (group commit), so case numbers are
// assigned without gaps or reuse while many callers share one fsync.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	lerrors "github.com/syndtr/goleveldb/leveldb/errors"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// ErrNotFound is returned when no case has the requested number.
var ErrNotFound = errors.New("store: not found")

// ErrKeyReused means an idempotency key was already used for another send: another
// service or another body. Replaying that case would hand out someone else's number.
var ErrKeyReused = errors.New("store: idempotency key used for a different send")

// errClosed is returned by calls made after Close.
var errClosed = errors.New("store: closed")

// maxBatch bounds how many CreateCase requests share one synced write.
const maxBatch = 256

// Case is one submitted form.
type Case struct {
	Number         string          `json:"caseNumber"` // e.g. HEL-KOI-2026-000123
	ServiceID      string          `json:"serviceId"`  // e.g. dog-registration
	ServiceVersion int             `json:"serviceVersion"`
	Status         string          `json:"status"` // "SENT" when created
	Lang           string          `json:"lang"`   // fi, sv or en
	Owner          string          `json:"owner"`  // the user id of who sent it
	Data           json.RawMessage `json:"data"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
}

// Store is a case database. It is safe for concurrent use.
type Store struct {
	db *leveldb.DB

	// write commits a batch; it is db.Write except in tests that need
	// to make a commit fail.
	write func(*leveldb.Batch, *opt.WriteOptions) error

	reqs   chan *createReq // unbuffered: a sent request is owned by the writer
	quit   chan struct{}   // closed by Close to stop the writer
	done   chan struct{}   // closed when the writer has returned
	closed atomic.Bool
	locks  writeLocks // serializes user and session writes; see users.go
}

// series identifies one sequence of case numbers.
type series struct {
	code string
	year int
}

type createReq struct {
	ctx    context.Context
	series series
	c      Case
	key    string            // idempotency key, already scoped to the owner; may be empty
	sum    string            // hex SHA-256 of the case data, bound to the key
	reply  chan createResult // buffered so the writer never blocks on a caller that gave up
}

type createResult struct {
	c        Case
	existing bool // an earlier case with the same idempotency key
	err      error
}

// Open opens (creating if needed) the LevelDB database in dir.
func Open(dir string) (*Store, error) {
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		switch {
		case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EAGAIN):
			return nil, fmt.Errorf("store: open %s: database is locked by another process or Store: %w", dir, err)
		case lerrors.IsCorrupted(err):
			return nil, fmt.Errorf("store: open %s: database is corrupted: %w", dir, err)
		}
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{
		db:    db,
		write: db.Write,
		reqs:  make(chan *createReq),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.run()
	return s, nil
}

// Close stops the writer, failing requests that have not been taken by it,
// and closes the database. Requests already being committed finish first.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return errClosed
	}
	close(s.quit)
	<-s.done
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// CreateCase assigns the next case number for the service code and year of
// c.CreatedAt ("HEL-" + code + "-" + year + "-" + 6-digit zero-padded serial
// starting at 000001, per code and per year), sets Number, Status "SENT" (if
// empty) and UpdatedAt=CreatedAt, and writes it durably before returning.
//
// A zero CreatedAt is set to the current time. code must be ASCII letters and
// digits, and c.ServiceID must be non-empty without '/', because both end up
// in keys and numbers.
//
// If ctx is done before the case is committed, CreateCase returns ctx.Err();
// the case may then still have been stored under a number the caller never
// sees.
func (s *Store) CreateCase(ctx context.Context, code string, c Case) (Case, error) {
	c, _, err := s.CreateCaseOnce(ctx, code, c, "")
	return c, err
}

// CreateCaseOnce is CreateCase with an idempotency key: the first call with a key
// creates the case, every later one (also one racing in the same batch) returns that
// case with existing set. The key is remembered per owner, in the same synced batch as
// the case, so a send retried after a crash or a lost answer still makes one case. It is
// bound to the service and a hash of the data: the same key with another service or
// other data is ErrKeyReused, never a replay of a case that is not this send's.
func (s *Store) CreateCaseOnce(ctx context.Context, code string, c Case, key string) (Case, bool, error) {
	if key != "" && (len(key) > 200 || strings.ContainsAny(key, "\x00")) {
		return Case{}, false, fmt.Errorf("store: create case: invalid idempotency key")
	}
	if key != "" {
		key = c.Owner + "/" + key
	}
	sum := sha256.Sum256(c.Data)
	if !validCode(code) {
		return Case{}, false, fmt.Errorf("store: create case: invalid service code %q", code)
	}
	if c.ServiceID == "" || strings.Contains(c.ServiceID, "/") {
		return Case{}, false, fmt.Errorf("store: create case: invalid service id %q", c.ServiceID)
	}
	// Validate here so that one bad request cannot fail a shared batch.
	if len(c.Data) > 0 && !json.Valid(c.Data) {
		return Case{}, false, fmt.Errorf("store: create case: data is not valid JSON")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	year := c.CreatedAt.Year()
	if year < 1 || year > 9999 {
		return Case{}, false, fmt.Errorf("store: create case: year %d out of range", year)
	}
	if c.Status == "" {
		c.Status = "SENT"
	}
	c.UpdatedAt = c.CreatedAt

	r := &createReq{
		ctx:    ctx,
		series: series{code: code, year: year},
		c:      c,
		key:    key,
		sum:    hex.EncodeToString(sum[:]),
		reply:  make(chan createResult, 1),
	}
	// Checked first because select picks randomly among ready cases.
	if s.closed.Load() {
		return Case{}, false, errClosed
	}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return Case{}, false, errClosed
	case <-ctx.Done():
		return Case{}, false, ctx.Err()
	}
	// The writer always replies to a request it has received.
	select {
	case res := <-r.reply:
		return res.c, res.existing, res.err
	case <-ctx.Done():
		return Case{}, false, ctx.Err()
	}
}

// Case returns the case with that number, or ErrNotFound.
func (s *Store) Case(number string) (Case, error) {
	v, err := s.db.Get(caseKey(number), nil)
	if err != nil {
		if errors.Is(err, leveldb.ErrNotFound) {
			return Case{}, ErrNotFound
		}
		return Case{}, readError("case "+number, err)
	}
	var c Case
	if err := json.Unmarshal(v, &c); err != nil {
		return Case{}, fmt.Errorf("store: case %s: decode: %w", number, err)
	}
	return c, nil
}

// CasesByService lists a service's cases in case-number order. It returns an
// empty, non-nil slice when there are none.
func (s *Store) CasesByService(serviceID string) ([]Case, error) {
	// A snapshot keeps the index and the records it points to consistent
	// while cases are being created.
	snap, err := s.db.GetSnapshot()
	if err != nil {
		return nil, readError("cases of "+serviceID, err)
	}
	defer snap.Release()

	prefix := indexPrefix(serviceID)
	it := snap.NewIterator(util.BytesPrefix([]byte(prefix)), nil)
	defer it.Release()

	cases := []Case{}
	for it.Next() {
		number := string(it.Key()[len(prefix):])
		v, err := snap.Get(caseKey(number), nil)
		if err != nil {
			if errors.Is(err, leveldb.ErrNotFound) {
				// Index and record are written in one batch, so this
				// means the database was damaged.
				return nil, fmt.Errorf("store: cases of %s: index entry for missing case %s", serviceID, number)
			}
			return nil, readError("case "+number, err)
		}
		var c Case
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, fmt.Errorf("store: case %s: decode: %w", number, err)
		}
		cases = append(cases, c)
	}
	if err := it.Error(); err != nil {
		return nil, readError("cases of "+serviceID, err)
	}
	return cases, nil
}

// run is the single writer. It takes one request, plus whatever else is
// already waiting, and commits them together.
func (s *Store) run() {
	defer close(s.done)
	counters := make(map[series]uint64) // last durable serial per series
	batch := make([]*createReq, 0, maxBatch)
	for {
		select {
		case <-s.quit:
			return
		case r := <-s.reqs:
			batch = append(batch[:0], r)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.commit(counters, batch)
		clear(batch) // drop references to finished requests
	}
}

// commit assigns numbers to reqs and writes them in one synced batch.
//
// counters only advances after the batch is durable, so a failed batch leaves
// it at the last acknowledged serial: the numbers it tried were never
// acknowledged and are handed out again, with no gap.
func (s *Store) commit(counters map[series]uint64, reqs []*createReq) {
	// Skip callers that already gave up, so they do not consume numbers.
	live := make([]*createReq, 0, len(reqs))
	for _, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			r.reply <- createResult{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	fail := func(err error) {
		for _, r := range live {
			r.reply <- createResult{err: err}
		}
	}

	next := make(map[series]uint64)
	out := make([]Case, len(live))
	existing := make([]bool, len(live))
	inBatch := map[string]int{} // idempotency key -> index of its first request here
	refused := make([]error, len(live))
	b := new(leveldb.Batch)
	for i, r := range live {
		if r.key != "" {
			if j, ok := inBatch[r.key]; ok {
				if live[j].sum != r.sum || live[j].c.ServiceID != r.c.ServiceID {
					refused[i] = ErrKeyReused
					continue
				}
				out[i], existing[i] = out[j], true
				continue
			}
			if c, ok, err := s.caseByKey(r.key, r.c.ServiceID, r.sum); err != nil {
				if errors.Is(err, ErrKeyReused) {
					refused[i] = err
					continue
				}
				fail(err)
				return
			} else if ok {
				out[i], existing[i] = c, true
				continue
			}
			inBatch[r.key] = i
		}
		n, ok := next[r.series]
		if !ok {
			if n, ok = counters[r.series]; !ok {
				var err error
				if n, err = s.loadCounter(r.series); err != nil {
					fail(err)
					return
				}
			}
		}
		n++
		next[r.series] = n

		c := r.c
		c.Number = formatNumber(r.series, n)
		v, err := json.Marshal(c)
		if err != nil {
			fail(fmt.Errorf("store: case %s: encode: %w", c.Number, err))
			return
		}
		b.Put(caseKey(c.Number), v)
		b.Put(indexKey(c.ServiceID, c.Number), nil)
		if r.key != "" {
			b.Put(idemKey(r.key), []byte(c.Number+" "+c.ServiceID+" "+r.sum))
		}
		out[i] = c
	}
	for k, n := range next {
		b.Put(counterKey(k), strconv.AppendUint(nil, n, 10))
	}

	if err := s.write(b, &opt.WriteOptions{Sync: true}); err != nil {
		fail(fmt.Errorf("store: write %d cases: %w", len(live), err))
		return
	}
	for k, n := range next {
		counters[k] = n
	}
	for i, r := range live {
		r.reply <- createResult{c: out[i], existing: existing[i], err: refused[i]}
	}
}

// caseByKey finds the case an idempotency key made, if any, and checks that it was made
// by the same send: the same service and the same data.
func (s *Store) caseByKey(key, serviceID, sum string) (Case, bool, error) {
	v, err := s.db.Get(idemKey(key), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, readError("idempotency key", err)
	}
	// "number service sum"; keys written before the binding hold the number alone.
	number, binding, _ := strings.Cut(string(v), " ")
	c, err := s.Case(number)
	if err != nil {
		return Case{}, false, err
	}
	if c.ServiceID != serviceID || (binding != "" && binding != serviceID+" "+sum) {
		return Case{}, false, ErrKeyReused
	}
	return c, true, nil
}

func idemKey(key string) []byte { return []byte("idem/" + key) }

// loadCounter reads the last serial of k from the database; 0 if none.
func (s *Store) loadCounter(k series) (uint64, error) {
	v, err := s.db.Get(counterKey(k), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, readError("counter "+string(counterKey(k)), err)
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store: counter %s: bad value %q: %w", counterKey(k), v, err)
	}
	return n, nil
}

// readError wraps a LevelDB read error, calling out corruption explicitly
// because it needs an operator rather than a retry.
func readError(what string, err error) error {
	if lerrors.IsCorrupted(err) {
		return fmt.Errorf("store: %s: database is corrupted: %w", what, err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// formatNumber renders a case number. Serials beyond 999999 get more digits;
// they stay unique but no longer sort after shorter ones.
func formatNumber(k series, serial uint64) string {
	return fmt.Sprintf("HEL-%s-%04d-%06d", k.code, k.year, serial)
}

func validCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for i := 0; i < len(code); i++ {
		b := code[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9') {
			return false
		}
	}
	return true
}

func caseKey(number string) []byte { return []byte("case/" + number) }

func counterKey(k series) []byte { return fmt.Appendf(nil, "counter/%s/%04d", k.code, k.year) }

func indexPrefix(serviceID string) string { return "idx/service/" + serviceID + "/" }

func indexKey(serviceID, number string) []byte {
	return []byte(indexPrefix(serviceID) + number)
}
