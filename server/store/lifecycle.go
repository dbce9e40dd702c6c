package store

// Case lifecycle: events, messages, the folder, the back-office queue, the audit log
// and officials. The rules of what may change (who, from which status) are the cases
// package's; here a change is applied with its indexes and its audit entry in one
// transaction.
//
// Keys:
//
//	idx/owner/<owner>/<number>                          → empty (a resident's folder)
//	idx/queue/<serviceID>/<newest first>/<number>         → empty (the queue, new first)
//	idx/qstatus/<serviceID>/<status>/<newest first>/<number> → empty (queue by status)
//	audit/<newest first>/<random>                          → audit entry as JSON
//	official/<identityCode>                                → official as JSON
//	meta/indexes                                           → version of the indexes built
//
// "newest first" is 16 hex digits of (2^63-1 - the case's creation in Unix ns), so an
// ascending scan lists new cases first.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// Event is one change of a case.
type Event struct {
	At        time.Time `json:"at"`
	ActorKind string    `json:"actorKind"` // resident, official, admin, system
	ActorID   string    `json:"actorId,omitempty"`
	ActorName string    `json:"actorName,omitempty"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Message is one message of a case's thread.
type Message struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	ActorKind string    `json:"actorKind"`
	ActorID   string    `json:"actorId,omitempty"`
	ActorName string    `json:"actorName,omitempty"`
	Text      string    `json:"text"`
	ReadAt    time.Time `json:"readAt,omitzero"` // when the other side opened it
}

// AuditEntry is one official action.
type AuditEntry struct {
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId"`
	ActorName string    `json:"actorName"`
	Action    string    `json:"action"`
	Case      string    `json:"caseNumber,omitempty"`
	Detail    string    `json:"detail,omitempty"`
}

// Official is a person who handles cases of some services.
type Official struct {
	IdentityCode string   `json:"identityCode"`
	Roles        []string `json:"roles"`
	Services     []string `json:"services"` // "*": every service
}

// indexVersion is the version of the indexes above; an older store gets them built at
// open.
const indexVersion = 2

func newestFirst(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(math.MaxInt64-t.UnixNano()))
}

func ownerPrefix(owner string) string { return "idx/owner/" + owner + "/" }
func queuePrefix(serviceID string) string {
	return "idx/queue/" + serviceID + "/"
}
func statusPrefix(serviceID, status string) string {
	return "idx/qstatus/" + serviceID + "/" + status + "/"
}

// putIndexes writes a case's index entries; old is its status before (or "" for a new
// case), whose status entry goes.
func putIndexes(tx kv.Tx, c Case, old string) {
	pos := newestFirst(c.CreatedAt) + "/" + c.Number
	if old == "" {
		tx.Put(indexKey(c.ServiceID, c.Number), nil)
		tx.Put([]byte(ownerPrefix(c.Owner)+c.Number), nil)
		tx.Put([]byte(queuePrefix(c.ServiceID)+pos), nil)
	} else if old != c.Status {
		tx.Delete([]byte(statusPrefix(c.ServiceID, old) + pos))
	}
	tx.Put([]byte(statusPrefix(c.ServiceID, c.Status)+pos), nil)
}

// ErrChange wraps a refusal by the function given to UpdateCase.
var ErrChange = errors.New("store: change refused")

// UpdateCase reads a case, lets change modify it, and writes it back with its indexes
// and, when audit is not nil, the audit entry, all in one transaction. An error from
// change is returned as it is, and nothing is written. change may run more than once.
func (s *Store) UpdateCase(ctx context.Context, number string, change func(*Case) (*AuditEntry, error)) (Case, error) {
	var out Case
	err := s.e.Update(ctx, func(tx kv.Tx) error {
		c, err := getCase(tx, number)
		if err != nil {
			return err
		}
		old := c.Status
		audit, err := change(&c)
		if err != nil {
			return err
		}
		v, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("store: case %s: encode: %w", number, err)
		}
		tx.Put(caseKey(number), v)
		putIndexes(tx, c, old)
		if audit != nil {
			if err := putAudit(tx, *audit); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return out, nil
}

func putAudit(tx kv.Tx, a AuditEntry) error {
	b := make([]byte, 6)
	rand.Read(b)
	v, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	tx.Put([]byte("audit/"+newestFirst(a.At)+"/"+hex.EncodeToString(b)), v)
	return nil
}

// CasesByOwner returns a resident's cases (their folder), newest number last.
func (s *Store) CasesByOwner(ctx context.Context, owner string) ([]Case, error) {
	if owner == "" || strings.Contains(owner, "/") {
		return nil, fmt.Errorf("store: cases by owner: invalid owner")
	}
	out, err := s.indexed(ctx, ownerPrefix(owner))
	if err != nil {
		return nil, readError("cases of a resident", err)
	}
	return out, nil
}

// Queue lists the cases of services, newest first, optionally of one status, after the
// cursor ("" for the first page), at most limit; next is the cursor of the next page
// ("" when there is none).
func (s *Store) Queue(ctx context.Context, services []string, status, cursor string, limit int) (cases []Case, next string, err error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	err = s.e.View(ctx, func(r kv.Reader) error {
		cases, next = nil, ""
		type hit struct{ pos, number string }
		var hits []hit
		for _, id := range services {
			if id == "" || strings.Contains(id, "/") {
				continue
			}
			prefix := queuePrefix(id)
			if status != "" {
				prefix = statusPrefix(id, status)
			}
			var start []byte
			if cursor != "" {
				start = []byte(prefix + cursor + "\x00") // after the cursor
			}
			if err := r.Scan([]byte(prefix), start, limit+1, func(k, _ []byte) error {
				pos := string(k[len(prefix):])
				hits = append(hits, hit{pos, pos[strings.IndexByte(pos, '/')+1:]})
				return nil
			}); err != nil {
				return err
			}
		}
		sort.Slice(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
		if len(hits) > limit {
			next = hits[limit-1].pos
			hits = hits[:limit]
		}
		for _, h := range hits {
			c, err := getCase(r, h.number)
			if err != nil {
				return fmt.Errorf("queue entry %s: %w", h.number, err)
			}
			cases = append(cases, c)
		}
		return nil
	})
	if err != nil {
		return nil, "", readError("queue", err)
	}
	return cases, next, nil
}

// Audit lists audit entries, newest first, after the cursor, at most limit.
func (s *Store) Audit(ctx context.Context, cursor string, limit int) (entries []AuditEntry, next string, err error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	err = s.e.View(ctx, func(r kv.Reader) error {
		entries, next = nil, ""
		var start []byte
		if cursor != "" {
			start = []byte("audit/" + cursor + "\x00")
		}
		last := ""
		return r.Scan([]byte("audit/"), start, limit+1, func(k, v []byte) error {
			if len(entries) == limit {
				next = last // there is more after the last one listed
				return nil
			}
			var a AuditEntry
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("audit %s: %w", k, err)
			}
			entries = append(entries, a)
			last = strings.TrimPrefix(string(k), "audit/")
			return nil
		})
	})
	if err != nil {
		return nil, "", readError("audit", err)
	}
	return entries, next, nil
}

// PutOfficial sets an official's roles and services; no roles removes them.
func (s *Store) PutOfficial(ctx context.Context, o Official) error {
	if !validIdentityCode(o.IdentityCode) {
		return errors.New("store: official: invalid identity code")
	}
	v, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return s.e.Update(ctx, func(tx kv.Tx) error {
		if len(o.Roles) == 0 {
			tx.Delete([]byte("official/" + o.IdentityCode))
			return nil
		}
		tx.Put([]byte("official/"+o.IdentityCode), v)
		return nil
	})
}

// OfficialByIdentityCode returns an official, or ErrNotFound.
func (s *Store) OfficialByIdentityCode(ctx context.Context, code string) (Official, error) {
	var o Official
	err := s.e.View(ctx, func(r kv.Reader) error {
		return getJSON(r, []byte("official/"+code), &o)
	})
	if err != nil {
		return Official{}, err
	}
	return o, nil
}

// buildIndexes adds the folder and queue indexes to cases stored before they existed.
// It runs at open, once per index version.
func (s *Store) buildIndexes(ctx context.Context) error {
	var have int
	err := s.e.View(ctx, func(r kv.Reader) error {
		v, err := r.Get([]byte("meta/indexes"))
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		have, _ = strconv.Atoi(string(v))
		return nil
	})
	if err != nil || have >= indexVersion {
		return err
	}
	var numbers []string
	if err := s.e.View(ctx, func(r kv.Reader) error {
		return r.Scan([]byte("case/"), nil, 0, func(k, _ []byte) error {
			numbers = append(numbers, string(k[len("case/"):]))
			return nil
		})
	}); err != nil {
		return fmt.Errorf("store: building indexes: %w", err)
	}
	for len(numbers) > 0 {
		chunk := numbers[:min(500, len(numbers))]
		numbers = numbers[len(chunk):]
		if err := s.e.Update(ctx, func(tx kv.Tx) error {
			for _, n := range chunk {
				c, err := getCase(tx, n)
				if err != nil {
					return err
				}
				putIndexes(tx, c, "")
			}
			return nil
		}); err != nil {
			return fmt.Errorf("store: building indexes: %w", err)
		}
	}
	return s.e.Update(ctx, func(tx kv.Tx) error {
		tx.Put([]byte("meta/indexes"), []byte(strconv.Itoa(indexVersion)))
		return nil
	})
}
