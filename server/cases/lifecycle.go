package cases

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lomake/lomake/server/store"
)

// Errors of the lifecycle. Each means the asker may not do this now; none is a fault.
var (
	// ErrTransition is a status change the rules do not allow from the case's status.
	ErrTransition = errors.New("cases: that status change is not allowed now")
	// ErrNoThread is a resident's reply to a case no official has written about yet.
	ErrNoThread = errors.New("cases: no official has started a message thread")
	// ErrText is an empty or too long message, note or decision.
	ErrText = errors.New("cases: the text is empty or too long")
	// ErrNotOfficial is a back-office call by someone who is not an official.
	ErrNotOfficial = errors.New("cases: not an official")
	// ErrNotAdmin is an admin-only call by an official who is not an admin.
	ErrNotAdmin = errors.New("cases: not an admin")
	// ErrDisqualified is an official acting on their own case: a party to a matter may
	// not handle it (Hallintolaki 27–28 §), so another official of the service must.
	ErrDisqualified = errors.New("cases: an official may not handle their own case")
)

// MaxText bounds a message, note or decision, in characters.
const MaxText = 5000

// Actor kinds.
const (
	ActorResident = "resident"
	ActorOfficial = "official"
	ActorAdmin    = "admin"
)

// Event kinds.
const (
	EventSent      = "sent"
	EventStatus    = "status"
	EventDecision  = "decision"
	EventMessage   = "message"
	EventCancelled = "cancelled"
)

// final statuses end a case: nothing moves it on.
func final(status string) bool { return status == Decided || status == Cancelled }

// officialMoves are the statuses an official may set directly (a decision has its own
// call), and from where.
var officialMoves = map[string][]string{
	Received:       {Sent},
	Processing:     {Sent, Received, WaitingForInfo},
	WaitingForInfo: {Sent, Received, Processing},
}

// Official is a signed-in person with back-office roles.
type Official struct {
	User     store.User
	Roles    []string
	Services []string // "*": all
}

// Handles reports whether the official handles a service.
func (o Official) Handles(serviceID string) bool {
	return slices.Contains(o.Services, "*") || slices.Contains(o.Services, serviceID)
}

// Admin reports whether the official is an admin.
func (o Official) Admin() bool { return slices.Contains(o.Roles, "admin") }

// Disqualified reports whether the official is a party to case k, its owner, and so
// may read it but not handle it.
func (o Official) Disqualified(k store.Case) bool {
	return o.User.ID != "" && k.Owner == o.User.ID
}

func (o Official) name() string { return o.User.GivenName + " " + o.User.FamilyName }

// OfficialOf returns the back-office roles of a user, or ErrNotOfficial.
func (c *Cases) OfficialOf(ctx context.Context, u store.User) (Official, error) {
	if u.IdentityCode == "" {
		return Official{}, ErrNotOfficial
	}
	rec, err := c.store.OfficialByIdentityCode(ctx, u.IdentityCode)
	if errors.Is(err, store.ErrNotFound) || (err == nil && len(rec.Roles) == 0) {
		return Official{}, ErrNotOfficial
	}
	if err != nil {
		return Official{}, fmt.Errorf("cases: roles: %w", err)
	}
	return Official{User: u, Roles: rec.Roles, Services: rec.Services}, nil
}

// Folder lists a resident's cases: q filters by case number (a part of it, any case),
// sort "name" orders by service name (names gives them), anything else newest first.
func (c *Cases) Folder(ctx context.Context, u store.User, q, by string, names func(serviceID string) string) ([]store.Case, error) {
	all, err := c.store.CasesByOwner(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	q = strings.ToUpper(strings.TrimSpace(q))
	out := all[:0]
	for _, k := range all {
		if q == "" || strings.Contains(k.Number, q) {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if by == "name" {
			if a, b := names(out[i].ServiceID), names(out[j].ServiceID); a != b {
				return a < b
			}
		}
		return out[i].CreatedAt.After(out[j].CreatedAt)
	})
	return out, nil
}

// IsNew reports whether a case has events by others that its owner has not seen.
func IsNew(k store.Case) bool {
	for _, e := range k.Events[min(k.Seen, len(k.Events)):] {
		if e.ActorKind != ActorResident {
			return true
		}
	}
	return false
}

// Unread counts the messages to side (a resident or an official) not yet opened.
func Unread(k store.Case, side string) int {
	n := 0
	for _, m := range k.Messages {
		if from(m.ActorKind) != side && m.ReadAt.IsZero() {
			n++
		}
	}
	return n
}

// from folds admins into officials: both write as the city.
func from(kind string) string {
	if kind == ActorAdmin {
		return ActorOfficial
	}
	return kind
}

// HasThread reports whether an official has started the case's message thread.
func HasThread(k store.Case) bool {
	for _, m := range k.Messages {
		if from(m.ActorKind) == ActorOfficial {
			return true
		}
	}
	return false
}

// MayCancel reports whether the resident may still cancel the case.
func MayCancel(k store.Case) bool { return !final(k.Status) }

// Open is the resident opening their case: the city's messages are read. Someone
// else's case is ErrNotFound.
func (c *Cases) Open(ctx context.Context, u store.User, number string) (store.Case, error) {
	if _, err := c.Get(ctx, u, number); err != nil {
		return store.Case{}, err
	}
	now := c.now()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if k.Owner != u.ID {
			return nil, ErrNotFound
		}
		for i := range k.Messages {
			if from(k.Messages[i].ActorKind) == ActorOfficial && k.Messages[i].ReadAt.IsZero() {
				k.Messages[i].ReadAt = now
			}
		}
		return nil, nil
	})
}

// Seen marks a resident's case's events seen.
func (c *Cases) Seen(ctx context.Context, u store.User, number string) (store.Case, error) {
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if k.Owner != u.ID {
			return nil, ErrNotFound
		}
		k.Seen = len(k.Events)
		return nil, nil
	})
}

// Cancel is the resident cancelling a case not yet decided.
func (c *Cases) Cancel(ctx context.Context, u store.User, number string) (store.Case, error) {
	now := c.now()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if k.Owner != u.ID {
			return nil, ErrNotFound
		}
		if final(k.Status) {
			return nil, ErrTransition
		}
		k.Status, k.UpdatedAt = Cancelled, now
		k.Events = append(k.Events, store.Event{At: now, ActorKind: ActorResident, ActorID: u.ID, Kind: EventCancelled, Status: Cancelled})
		k.Seen = len(k.Events)
		return nil, nil
	})
}

// Reply is the resident's message, once an official has started the thread.
func (c *Cases) Reply(ctx context.Context, u store.User, number, text string) (store.Case, error) {
	text, err := cleanText(text)
	if err != nil {
		return store.Case{}, err
	}
	now, id := c.now(), messageID()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if k.Owner != u.ID {
			return nil, ErrNotFound
		}
		if !HasThread(*k) {
			return nil, ErrNoThread
		}
		if k.Status == Cancelled {
			return nil, ErrTransition
		}
		k.Messages = append(k.Messages, store.Message{ID: id, At: now, ActorKind: ActorResident, ActorID: u.ID, Text: text})
		k.Events = append(k.Events, store.Event{At: now, ActorKind: ActorResident, ActorID: u.ID, Kind: EventMessage, Status: k.Status})
		k.UpdatedAt, k.Seen = now, len(k.Events)
		return nil, nil
	})
}

// Queue lists the cases of the services an official handles (or of one of them),
// newest first.
func (c *Cases) Queue(ctx context.Context, o Official, services []string, service, status, q, cursor string) ([]store.Case, string, error) {
	var ids []string
	for _, id := range services {
		if (service == "" || id == service) && o.Handles(id) {
			ids = append(ids, id)
		}
	}
	if q = strings.ToUpper(strings.TrimSpace(q)); q != "" {
		// A case number is a key: look it up rather than page through the queue.
		k, err := c.store.Case(q)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (!slices.Contains(ids, k.ServiceID) || (status != "" && k.Status != status))) {
			return []store.Case{}, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []store.Case{k}, "", nil
	}
	return c.store.Queue(ctx, ids, status, cursor, 50)
}

// OfficialOpen is an official opening a case of a service they handle: the
// resident's messages are read. An official may open their own case (it is their own
// data) but does not read it for the city: its messages stay unread for whoever
// handles it. Any other case is ErrNotFound.
func (c *Cases) OfficialOpen(ctx context.Context, o Official, number string) (store.Case, error) {
	now := c.now()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if !o.Handles(k.ServiceID) {
			return nil, ErrNotFound
		}
		for i := range k.Messages {
			if from(k.Messages[i].ActorKind) == ActorResident && k.Messages[i].ReadAt.IsZero() && !o.Disqualified(*k) {
				k.Messages[i].ReadAt = now
			}
		}
		return &store.AuditEntry{At: now, ActorID: o.User.ID, ActorName: o.name(), Action: "open", Case: number}, nil
	})
}

// OpenAttachment is an official opening one of a case's attachments: allowed for a
// service they handle, and audited. Any other case or file is ErrNotFound.
func (c *Cases) OpenAttachment(ctx context.Context, o Official, number, id string) error {
	now := c.now()
	_, err := c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if !o.Handles(k.ServiceID) || !slices.Contains(k.Attachments, id) {
			return nil, ErrNotFound
		}
		return &store.AuditEntry{At: now, ActorID: o.User.ID, ActorName: o.name(), Action: "attachment", Case: number, Detail: id}, nil
	})
	return err
}

// SetStatus is an official moving a case on, with a note for the history.
func (c *Cases) SetStatus(ctx context.Context, o Official, number, status, note string) (store.Case, error) {
	// The note is optional.
	if note = strings.TrimSpace(note); utf8.RuneCountInString(note) > MaxText {
		return store.Case{}, ErrText
	}
	froms, ok := officialMoves[status]
	if !ok {
		return store.Case{}, ErrTransition
	}
	now := c.now()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if !o.Handles(k.ServiceID) {
			return nil, ErrNotFound
		}
		if o.Disqualified(*k) {
			return nil, ErrDisqualified
		}
		if !slices.Contains(froms, k.Status) {
			return nil, ErrTransition
		}
		k.Status, k.UpdatedAt = status, now
		k.Events = append(k.Events, store.Event{At: now, ActorKind: actorKind(o), ActorID: o.User.ID, ActorName: o.name(), Kind: EventStatus, Status: status, Note: note})
		return &store.AuditEntry{At: now, ActorID: o.User.ID, ActorName: o.name(), Action: "status", Case: number, Detail: status}, nil
	})
}

// Decide is an official's decision: the case becomes DECIDED.
func (c *Cases) Decide(ctx context.Context, o Official, number, text string) (store.Case, error) {
	text, err := cleanText(text)
	if err != nil {
		return store.Case{}, err
	}
	now := c.now()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if !o.Handles(k.ServiceID) {
			return nil, ErrNotFound
		}
		if o.Disqualified(*k) {
			return nil, ErrDisqualified
		}
		if final(k.Status) {
			return nil, ErrTransition
		}
		k.Status, k.Decision, k.UpdatedAt = Decided, text, now
		k.Events = append(k.Events, store.Event{At: now, ActorKind: actorKind(o), ActorID: o.User.ID, ActorName: o.name(), Kind: EventDecision, Status: Decided})
		return &store.AuditEntry{At: now, ActorID: o.User.ID, ActorName: o.name(), Action: "decision", Case: number}, nil
	})
}

// Message is an official writing to the resident; the first one starts the thread.
func (c *Cases) Message(ctx context.Context, o Official, number, text string) (store.Case, error) {
	text, err := cleanText(text)
	if err != nil {
		return store.Case{}, err
	}
	now, id := c.now(), messageID()
	return c.update(ctx, number, func(k *store.Case) (*store.AuditEntry, error) {
		if !o.Handles(k.ServiceID) {
			return nil, ErrNotFound
		}
		if o.Disqualified(*k) {
			return nil, ErrDisqualified
		}
		if k.Status == Cancelled {
			return nil, ErrTransition // the resident withdrew it: nothing to discuss
		}
		k.Messages = append(k.Messages, store.Message{ID: id, At: now, ActorKind: actorKind(o), ActorID: o.User.ID, ActorName: o.name(), Text: text})
		k.Events = append(k.Events, store.Event{At: now, ActorKind: actorKind(o), ActorID: o.User.ID, ActorName: o.name(), Kind: EventMessage, Status: k.Status})
		k.UpdatedAt = now
		return &store.AuditEntry{At: now, ActorID: o.User.ID, ActorName: o.name(), Action: "message", Case: number}, nil
	})
}

// Audit lists official actions for an admin, newest first.
func (c *Cases) Audit(ctx context.Context, o Official, cursor string) ([]store.AuditEntry, string, error) {
	if !o.Admin() {
		return nil, "", ErrNotAdmin
	}
	return c.store.Audit(ctx, cursor, 100)
}

func actorKind(o Official) string {
	if o.Admin() {
		return ActorAdmin
	}
	return ActorOfficial
}

// update applies a change to a case; a missing case is ErrNotFound.
func (c *Cases) update(ctx context.Context, number string, change func(*store.Case) (*store.AuditEntry, error)) (store.Case, error) {
	k, err := c.store.UpdateCase(ctx, number, change)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Case{}, ErrNotFound
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrTransition), errors.Is(err, ErrNoThread), errors.Is(err, ErrDisqualified):
		return store.Case{}, err
	case err != nil:
		return store.Case{}, fmt.Errorf("cases: %s: %w", number, err)
	}
	return k, nil
}

// cleanText trims a text and checks it: not empty, at most MaxText characters, valid
// UTF-8 (the decoder has seen to that already for API bodies).
func cleanText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > MaxText {
		return s, ErrText
	}
	return s, nil
}

func messageID() string {
	b := make([]byte, 9)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
