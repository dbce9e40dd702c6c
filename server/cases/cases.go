// Package cases holds the rules of cases: what a send must pass to become one, its
// number and date in Helsinki time, its status, and who may read it. HTTP handlers call
// it; it knows nothing of HTTP.
package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"
	_ "time/tzdata" // case dates are in Helsinki time whatever the host has

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/store"
)

// Statuses of a case (labels in REFERENCE.md). A send becomes a case as Sent; the
// folder and back office move it on.
const (
	Draft          = "DRAFT"
	Sent           = "SENT"
	Received       = "RECEIVED"
	Processing     = "PROCESSING"
	WaitingForInfo = "WAITING_FOR_INFO"
	Decided        = "DECIDED"
	Cancelled      = "CANCELLED"
)

var (
	// ErrNotFound is a case that does not exist or that the reader may not see: the
	// existence of someone else's case is nobody else's business.
	ErrNotFound = errors.New("cases: not found")
	// ErrKeyReused is an idempotency key already used for another send.
	ErrKeyReused = store.ErrKeyReused
)

// Helsinki is the time zone of case dates and of the year in case numbers.
var Helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(fmt.Sprintf("cases: no Europe/Helsinki zone: %v", err)) // time/tzdata is linked in
	}
	return loc
}()

// Cases is the case domain over a store.
type Cases struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger
	// validating bounds how many documents are validated at once: validation is CPU
	// work, and a flood of heavy bodies should queue (and give up when their asker
	// does) rather than share the CPU until every one of them is slow.
	validating chan struct{}
}

// New returns the domain; now may be nil (the wall clock).
func New(st *store.Store, now func() time.Time, log *slog.Logger) *Cases {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Cases{store: st, now: now, log: log, validating: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// Submission is a form a user sends.
type Submission struct {
	Service *schemas.Service
	Owner   store.User
	Lang    string // the language the user sent it in
	Data    []byte // the form's JSON, as sent
	Key     string // idempotency key; may be empty
}

// Result is what became of a submission: a case (Replayed when the same send came
// before), or the violations that stopped it.
type Result struct {
	Case       store.Case
	Replayed   bool
	Violations []schemas.Violation
}

// Submit validates a submission and stores it as a new case, durably, under the next
// number of its service and Helsinki year. A send repeated with its key gets the first
// one's case. A new case replaces the user's draft of the form. Errors: a body that is
// not acceptable JSON (wrapping schemas.ErrInvalidJSON), schemas.ErrValidatorFailed,
// ErrKeyReused, ctx's error, or a storage error.
func (c *Cases) Submit(ctx context.Context, sub Submission) (Result, error) {
	violations, err := c.validate(ctx, sub.Service, sub.Data)
	if err != nil {
		return Result{}, err
	}
	if len(violations) == 0 {
		// What the sender cannot choose: their own identity in the fields filled in
		// from it, and the fixed value of a read-only field.
		var doc any
		if err := json.Unmarshal(sub.Data, &doc); err == nil {
			violations = sub.Service.Bound(doc, PrefillValues(sub.Owner))
		}
	}
	if len(violations) > 0 {
		return Result{Violations: violations}, nil
	}
	// The files the form refers to become the case's attachments with it.
	var refs []store.UploadRef
	var attachments []string
	var doc any
	if sub.Service.HasFiles() && json.Unmarshal(sub.Data, &doc) == nil {
		for _, f := range sub.Service.Form.Files(doc) {
			refs = append(refs, store.UploadRef{ID: f.ID, Pointer: f.Pointer})
			attachments = append(attachments, f.ID)
		}
	}
	now := c.now().In(Helsinki)
	stored, replayed, err := c.store.CreateCaseOnce(ctx, sub.Service.Code, store.Case{
		ServiceID:      sub.Service.ID,
		ServiceVersion: sub.Service.Version,
		Status:         Sent,
		Lang:           sub.Lang,
		Owner:          sub.Owner.ID,
		Data:           json.RawMessage(sub.Data),
		CreatedAt:      now,
		Events:         []store.Event{{At: now, ActorKind: ActorResident, ActorID: sub.Owner.ID, Kind: EventSent, Status: Sent}},
		Seen:           1,
		Attachments:    attachments,
	}, sub.Key, refs...)
	var refused *store.UploadRefError
	if errors.As(err, &refused) {
		// An attachment that is gone, someone else's or already sent: the field's error.
		return Result{Violations: []schemas.Violation{{Pointer: refused.Ref.Pointer, Code: "fileGone"}}}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("cases: storing a %s case: %w", sub.Service.ID, err)
	}
	if !replayed {
		c.log.Info("case created", "case", stored.Number, "service", sub.Service.ID)
		// The draft has become a case. A draft left behind is only clutter.
		if err := c.store.DeleteDraft(sub.Owner.ID, sub.Service.ID); err != nil {
			c.log.Error("deleting a sent draft", "service", sub.Service.ID, "err", err)
		}
	}
	return Result{Case: stored, Replayed: replayed}, nil
}

func (c *Cases) validate(ctx context.Context, s *schemas.Service, data []byte) ([]schemas.Violation, error) {
	// The cheap check first, outside the queue: most hostile bodies end here.
	if err := schemas.CheckJSON(data); err != nil {
		return nil, err
	}
	select {
	case c.validating <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.validating }()
	return s.ValidateJSONContext(ctx, data)
}

// Get returns a case for reader, or ErrNotFound when it does not exist or reader may
// not read it.
func (c *Cases) Get(ctx context.Context, reader store.User, number string) (store.Case, error) {
	got, err := c.store.Case(number)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !MayRead(reader, got)) {
		return store.Case{}, ErrNotFound
	}
	if err != nil {
		return store.Case{}, fmt.Errorf("cases: reading %s: %w", number, err)
	}
	return got, nil
}

// MayRead reports whether u may read case k: today only its sender.
func MayRead(u store.User, k store.Case) bool {
	return u.ID != "" && k.Owner == u.ID
}

// PrefillValues is what forms fill in about u (the sources of schemas' x-prefill):
// the names and identity code from identification, the contact details of the profile.
func PrefillValues(u store.User) map[string]string {
	return map[string]string{
		"identity.personalIdentityCode": u.IdentityCode,
		"identity.firstNames":           u.GivenName,
		"identity.lastName":             u.FamilyName,
		"profile.email":                 u.Email,
		"profile.phone":                 u.Phone,
	}
}
