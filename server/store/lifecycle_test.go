package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A change, its indexes and its audit entry are written together or not at all; the
// queue lists new cases first, by status, in pages; the folder lists an owner's cases.
func TestCaseLifecycleStorage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		var numbers []string
		for i := range 7 {
			owner, svc := "tessa", "dog-registration"
			if i%2 == 1 {
				owner = "joni"
			}
			if i == 6 {
				svc = "parking"
			}
			c, err := s.CreateCase(ctx, "KOI", Case{ServiceID: svc, Owner: owner, Data: []byte(`{}`), CreatedAt: at.Add(time.Duration(i) * time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, c.Number)
		}
		mine, err := s.CasesByOwner(ctx, "tessa")
		if err != nil || len(mine) != 4 {
			t.Fatalf("folder: %d cases, %v", len(mine), err)
		}

		page, next, err := s.Queue(ctx, []string{"dog-registration", "parking"}, "", "", 4)
		if err != nil || len(page) != 4 || page[0].Number != numbers[6] || page[3].Number != numbers[3] || next == "" {
			t.Fatalf("first page: %v next %q %v", numbersOf(page), next, err)
		}
		rest, next2, err := s.Queue(ctx, []string{"dog-registration", "parking"}, "", next, 4)
		if err != nil || fmt.Sprint(numbersOf(rest)) != fmt.Sprint([]string{numbers[2], numbers[1], numbers[0]}) || next2 != "" {
			t.Fatalf("second page: %v next %q %v", numbersOf(rest), next2, err)
		}

		refused := errors.New("refused")
		if _, err := s.UpdateCase(ctx, numbers[0], func(c *Case) (*AuditEntry, error) {
			c.Status = "PROCESSING"
			return &AuditEntry{At: at, Action: "status"}, refused
		}); !errors.Is(err, refused) {
			t.Fatalf("refused change: %v", err)
		}
		if c, _ := s.Case(numbers[0]); c.Status != "SENT" {
			t.Errorf("a refused change was written: %s", c.Status)
		}
		if entries, _, _ := s.Audit(ctx, "", 10); len(entries) != 0 {
			t.Errorf("a refused change was audited: %v", entries)
		}
		if _, err := s.UpdateCase(ctx, numbers[0], func(c *Case) (*AuditEntry, error) {
			c.Status = "PROCESSING"
			c.Events = append(c.Events, Event{At: at, ActorKind: "official", Kind: "status", Status: "PROCESSING"})
			return &AuditEntry{At: at, ActorName: "Joni", Action: "status", Case: c.Number}, nil
		}); err != nil {
			t.Fatal(err)
		}
		processing, _, _ := s.Queue(ctx, []string{"dog-registration"}, "PROCESSING", "", 10)
		sent, _, _ := s.Queue(ctx, []string{"dog-registration"}, "SENT", "", 10)
		if len(processing) != 1 || processing[0].Number != numbers[0] || len(sent) != 5 {
			t.Errorf("by status: processing %v, sent %v", numbersOf(processing), numbersOf(sent))
		}
		if entries, _, _ := s.Audit(ctx, "", 10); len(entries) != 1 || entries[0].Case != numbers[0] {
			t.Errorf("audit: %v", entries)
		}
		if _, err := s.UpdateCase(ctx, "HEL-KOI-2026-999999", func(*Case) (*AuditEntry, error) { return nil, nil }); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown case: %v", err)
		}
	})
}

// Officials are kept by identity code; no roles removes one.
func TestOfficials(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx := context.Background()
		if err := s.PutOfficial(ctx, Official{IdentityCode: "010469-999W", Roles: []string{"official"}, Services: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
		if o, err := s.OfficialByIdentityCode(ctx, "010469-999W"); err != nil || o.Services[0] != "*" {
			t.Errorf("%+v %v", o, err)
		}
		s.PutOfficial(ctx, Official{IdentityCode: "010469-999W"})
		if _, err := s.OfficialByIdentityCode(ctx, "010469-999W"); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed official: %v", err)
		}
	})
}

func numbersOf(cs []Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Number)
	}
	return out
}
