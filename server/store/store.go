// Package store holds the portal's storage rules: what is kept (cases, users, sessions,
// drafts, announcements, secrets), under which keys, and which reads and writes must
// happen together. The rules are written once, here, above the kv seam; the engines
// below it (kv/leveldbkv, embedded, the default; kv/postgreskv, shared by several
// server instances) only keep ordered bytes in serializable transactions, and every
// rule runs the same on both.
//
// Keys:
//
//	case/<number>                   → case as JSON
//	counter/<code>/<year>           → last serial handed out, decimal text
//	idx/service/<serviceID>/<number> → empty (index for CasesByService)
//	idem/<owner>/<key>              → "<number> <serviceID> <hex sha256 of data>"
//
// lifecycle.go lists the indexes of the folder and the back-office queue.
//
// The other files list their own keys. Each read-check-write is one kv.Update
// transaction: the engine runs it as if alone (LevelDB on one writer goroutine with
// group commit, PostgreSQL SERIALIZABLE with retries), so no rule needs a lock of its
// own and two server instances sharing PostgreSQL keep the same rules. Because a
// transaction may run more than once, its function only reads, writes and assigns
// results to variables it resets first.
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
	"syscall"
	"time"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
	"github.com/lomake/lomake/server/kv/postgreskv"
)

// ErrNotFound is returned when no case has the requested number.
var ErrNotFound = errors.New("store: not found")

// ErrKeyReused means an idempotency key was already used for another send: another
// service or another body. Replaying that case would hand out someone else's number.
var ErrKeyReused = errors.New("store: idempotency key used for a different send")

// Case is one submitted form and what has happened to it since.
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
	// Events are every change, oldest first, written with the change itself.
	Events   []Event   `json:"events,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	Decision string    `json:"decision,omitempty"`
	// Seen is how many of the events the owner has seen: later ones by others are new.
	Seen int `json:"seen,omitempty"`
	// Attachments are the ids of the uploads sent with the case.
	Attachments []string `json:"attachments,omitempty"`
}

// Store is the portal's database. It is safe for concurrent use, also by several
// Stores (server instances) on one shared engine.
type Store struct {
	e kv.Engine

	// idleScanned, when set (by tests), runs in DeleteSessionsIdleSince between finding
	// idle sessions and deleting them.
	idleScanned func()
}

// series identifies one sequence of case numbers.
type series struct {
	code string
	year int
}

// New returns a store on an engine; Close closes the engine.
func New(e kv.Engine) *Store { return &Store{e: e} }

// Open opens (creating if needed) the LevelDB database in dir.
func Open(dir string) (*Store, error) {
	db, err := leveldbkv.Open(dir)
	if err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
			return nil, fmt.Errorf("store: database is locked by another process or Store: %w", err)
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	return ready(context.Background(), New(db))
}

// ready builds what a store of an older version lacks.
func ready(ctx context.Context, s *Store) (*Store, error) {
	if err := s.buildIndexes(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// OpenURL opens the store at where: a PostgreSQL database for a postgres:// or
// postgresql:// URL, a LevelDB directory for anything without a scheme, and an error
// for any other scheme. It is the one place that chooses the engine.
func OpenURL(ctx context.Context, where string) (*Store, error) {
	switch sch := scheme(where); sch {
	case "":
		return Open(where)
	case "postgres", "postgresql":
		db, err := postgreskv.Open(ctx, where)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return ready(ctx, New(db))
	default:
		// Not taken for a directory: a typo would otherwise start an empty database.
		return nil, fmt.Errorf("store: %s:// is no kind of database this portal knows (postgres://… or a LevelDB directory)", sch)
	}
}

// scheme is the lower-cased scheme of a URL ("postgres" of "postgres://…"), or "" for
// anything else, such as a directory.
func scheme(where string) string {
	sch, _, ok := strings.Cut(where, "://")
	if !ok || sch == "" {
		return ""
	}
	for i := 0; i < len(sch); i++ {
		b := sch[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || i > 0 && ('0' <= b && b <= '9' || b == '+' || b == '-' || b == '.')) {
			return ""
		}
	}
	return strings.ToLower(sch)
}

// Engine is the engine under the store, for copying and backing it up whole.
func (s *Store) Engine() kv.Engine { return s.e }

// Close closes the engine. Transactions under way finish or fail first; every call
// after Close fails (with an error that wraps kv.ErrClosed).
func (s *Store) Close() error {
	if err := s.e.Close(); err != nil {
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
// creates the case, every later one (also one racing with it) returns that case with
// existing set. The key is remembered per owner, in the same transaction as the case,
// so a send retried after a crash or a lost answer still makes one case. It is bound to
// the service and a hash of the data: the same key with another service or other data
// is ErrKeyReused, never a replay of a case that is not this send's.
//
// The counter, the case, its index entry and the key are read and written in one
// transaction, so numbers have no gaps and are never reused: a transaction that fails
// (or a rejected request) takes no number, and two that race are serialized by the
// engine, across restarts and server instances alike.
//
// refs are the uploads the case refers to (its attachments): they become the case's in
// the same transaction, or the case is not made (an *UploadRefError says which).
func (s *Store) CreateCaseOnce(ctx context.Context, code string, c Case, key string, refs ...UploadRef) (Case, bool, error) {
	if key != "" && (len(key) > 200 || strings.ContainsAny(key, "\x00")) {
		return Case{}, false, fmt.Errorf("store: create case: invalid idempotency key")
	}
	if key != "" {
		key = c.Owner + "/" + key
	}
	if !validCode(code) {
		return Case{}, false, fmt.Errorf("store: create case: invalid service code %q", code)
	}
	if c.ServiceID == "" || strings.Contains(c.ServiceID, "/") {
		return Case{}, false, fmt.Errorf("store: create case: invalid service id %q", c.ServiceID)
	}
	// Checked before the transaction, so that a bad request never reaches the engine.
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
	// A caller that has already given up takes no number.
	if err := ctx.Err(); err != nil {
		return Case{}, false, err
	}
	sr := series{code: code, year: year}
	hash := sha256.Sum256(c.Data)
	sum := hex.EncodeToString(hash[:])

	var (
		out      Case
		existing bool
	)
	err := s.e.Update(ctx, func(tx kv.Tx) error {
		out, existing = Case{}, false
		if key != "" {
			prev, ok, err := caseByKey(tx, key, c.ServiceID, sum)
			if err != nil {
				return err
			}
			if ok {
				tx.Lazy() // nothing written: no reason to wait for a disk
				out, existing = prev, true
				return nil
			}
		}
		n, err := loadCounter(tx, sr)
		if err != nil {
			return err
		}
		n++
		made := c
		made.Number = formatNumber(sr, n)
		v, err := json.Marshal(made)
		if err != nil {
			return fmt.Errorf("store: case %s: encode: %w", made.Number, err)
		}
		if len(refs) > 0 {
			if err := ReferenceUploads(tx, made.Owner, made.ServiceID, refs, made.Number); err != nil {
				return err
			}
		}
		tx.Put(caseKey(made.Number), v)
		putIndexes(tx, made, "")
		if key != "" {
			tx.Put(idemKey(key), []byte(made.Number+" "+made.ServiceID+" "+sum))
		}
		tx.Put(counterKey(sr), strconv.AppendUint(nil, n, 10))
		out = made
		return nil
	})
	switch {
	case errors.Is(err, ErrKeyReused), errors.Is(err, ErrUploadRefused):
		return Case{}, false, err
	case err != nil && ctx.Err() != nil:
		return Case{}, false, ctx.Err()
	case err != nil:
		return Case{}, false, fmt.Errorf("store: create case: %w", err)
	}
	return out, existing, nil
}

// Case returns the case with that number, or ErrNotFound.
func (s *Store) Case(number string) (Case, error) {
	var c Case
	err := s.e.View(context.Background(), func(r kv.Reader) error {
		var err error
		c, err = getCase(r, number)
		return err
	})
	if err != nil {
		return Case{}, readError("case "+number, err)
	}
	return c, nil
}

// CasesByService lists a service's cases in case-number order. It returns an
// empty, non-nil slice when there are none.
func (s *Store) CasesByService(serviceID string) ([]Case, error) {
	cases, err := s.indexed(context.Background(), indexPrefix(serviceID))
	if err != nil {
		return nil, readError("cases of "+serviceID, err)
	}
	return cases, nil
}

// indexed reads the cases an index lists under prefix ("…/<number>"), in its order, from
// one snapshot, which keeps the index and the records consistent while cases are made.
// It returns an empty, non-nil slice when there are none.
func (s *Store) indexed(ctx context.Context, prefix string) ([]Case, error) {
	var cases []Case
	err := s.e.View(ctx, func(r kv.Reader) error {
		cases = []Case{}
		var numbers []string
		if err := r.Scan([]byte(prefix), nil, 0, func(k, _ []byte) error {
			numbers = append(numbers, string(k[len(prefix):]))
			return nil
		}); err != nil {
			return err
		}
		for _, number := range numbers {
			c, err := getCase(r, number)
			if errors.Is(err, ErrNotFound) {
				// Index and record are written in one transaction, so this means the
				// database was damaged.
				return fmt.Errorf("index entry for missing case %s", number)
			}
			if err != nil {
				return err
			}
			cases = append(cases, c)
		}
		return nil
	})
	return cases, err
}

// getCase reads and decodes a case; ErrNotFound if there is none.
func getCase(r kv.Reader, number string) (Case, error) {
	var c Case
	if err := getJSON(r, caseKey(number), &c); err != nil {
		return Case{}, err
	}
	return c, nil
}

// caseByKey finds the case an idempotency key made, if any, and checks that it was made
// by the same send: the same service and the same data.
func caseByKey(r kv.Reader, key, serviceID, sum string) (Case, bool, error) {
	v, err := r.Get(idemKey(key))
	if errors.Is(err, kv.ErrNotFound) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, fmt.Errorf("store: idempotency key: %w", err)
	}
	// "number service sum"; keys written before the binding hold the number alone.
	number, binding, _ := strings.Cut(string(v), " ")
	c, err := getCase(r, number)
	if err != nil {
		return Case{}, false, fmt.Errorf("store: case %s of an idempotency key: %w", number, err)
	}
	if c.ServiceID != serviceID || (binding != "" && binding != serviceID+" "+sum) {
		return Case{}, false, ErrKeyReused
	}
	return c, true, nil
}

func idemKey(key string) []byte { return []byte("idem/" + key) }

// loadCounter reads the last serial of k; 0 if none.
func loadCounter(r kv.Reader, k series) (uint64, error) {
	v, err := r.Get(counterKey(k))
	if errors.Is(err, kv.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: counter %s: %w", counterKey(k), err)
	}
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("store: counter %s: bad value %q: %w", counterKey(k), v, err)
	}
	return n, nil
}

// getJSON reads key and decodes its JSON into v (which copies what it keeps out of the
// transaction's bytes); ErrNotFound if the key has no value.
func getJSON(r kv.Reader, key []byte, v any) error {
	b, err := r.Get(key)
	if errors.Is(err, kv.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: decode: %w", key, err)
	}
	return nil
}

// readError words an error of a read: ErrNotFound as it is (callers compare it), any
// other under what was being read. The engines call out corruption themselves.
func readError(what string, err error) error {
	if err == nil || err == ErrNotFound {
		return err
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
