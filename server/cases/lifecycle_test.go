package cases

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lomake/lomake/server/store"
)

// officialFor makes u an official of services in st and returns their roles.
func officialFor(t *testing.T, c *Cases, st *store.Store, u store.User, roles []string, services ...string) Official {
	t.Helper()
	ctx := context.Background()
	if err := st.PutOfficial(ctx, store.Official{IdentityCode: u.IdentityCode, Roles: roles, Services: services}); err != nil {
		t.Fatal(err)
	}
	o, err := c.OfficialOf(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// ownCase sets up Joni, an official of every service and an admin, who has sent a
// case as a resident, and Tiina, an official of its service.
func ownCase(t *testing.T) (c *Cases, st *store.Store, joni, tiina Official, res Result) {
	t.Helper()
	c, st, s := setup(t, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
	joniUser := store.User{ID: "joni", IdentityCode: "010469-999W", GivenName: "Joni", FamilyName: "Kivi"}
	joni = officialFor(t, c, st, joniUser, []string{"official", "admin"}, "*")
	tiina = officialFor(t, c, st, store.User{ID: "tiina", IdentityCode: "261298-998X", GivenName: "Tiina", FamilyName: "Testilä"},
		[]string{"official"}, s.ID)
	res, err := c.Submit(context.Background(), Submission{Service: s, Owner: joniUser, Lang: "fi", Data: []byte(dog)})
	if err != nil || res.Case.Number == "" {
		t.Fatalf("%+v %v", res, err)
	}
	return c, st, joni, tiina, res
}

// An official who sent a case as a resident is a party to it: they may read it but
// never handle it (Hallintolaki 28 §); another official of the service does.
func TestOfficialNeverHandlesOwnCase(t *testing.T) {
	c, st, joni, tiina, res := ownCase(t)
	ctx := context.Background()
	number := res.Case.Number
	if !joni.Disqualified(res.Case) || tiina.Disqualified(res.Case) {
		t.Fatalf("disqualified: joni %v, tiina %v", joni.Disqualified(res.Case), tiina.Disqualified(res.Case))
	}

	acts := []struct {
		name string
		act  func(o Official) (store.Case, error)
		want string // the status after another official's act
	}{
		{"status", func(o Official) (store.Case, error) { return c.SetStatus(ctx, o, number, Processing, "Käsittelyssä") }, Processing},
		{"message", func(o Official) (store.Case, error) { return c.Message(ctx, o, number, "Onko koira rokotettu?") }, Processing},
		{"decision", func(o Official) (store.Case, error) { return c.Decide(ctx, o, number, "Koira on rekisteröity.") }, Decided},
	}
	for _, a := range acts {
		t.Run(a.name, func(t *testing.T) {
			before, err := st.Case(number)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.act(joni); !errors.Is(err, ErrDisqualified) {
				t.Fatalf("own case: err = %v, want ErrDisqualified", err)
			}
			after, err := st.Case(number)
			if err != nil {
				t.Fatal(err)
			}
			if after.Status != before.Status || len(after.Events) != len(before.Events) ||
				len(after.Messages) != len(before.Messages) || after.Decision != before.Decision {
				t.Errorf("a refused act changed the case: %+v, was %+v", after, before)
			}
			k, err := a.act(tiina)
			if err != nil || k.Status != a.want {
				t.Errorf("another official: %s %v", k.Status, err)
			}
		})
	}
	// Refusals change nothing, so the audit holds only the other official's acts.
	entries, _, err := st.Audit(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ActorID == joni.User.ID {
			t.Errorf("audit entry for a refused act: %+v", e)
		}
	}
	if len(entries) != len(acts) {
		t.Errorf("%d audit entries, want %d", len(entries), len(acts))
	}
}

// Opening one's own case in the back office is allowed, but the resident's messages are
// not read for the city: they stay unread for the official who handles it.
func TestOfficialOpensOwnCase(t *testing.T) {
	c, _, joni, tiina, res := ownCase(t)
	ctx := context.Background()
	number := res.Case.Number
	if _, err := c.Message(ctx, tiina, number, "Onko koira rokotettu?"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reply(ctx, joni.User, number, "On."); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		who    Official
		unread int
	}{
		{joni, 1},  // their own case: the reply stays unread for the city
		{tiina, 0}, // the official who handles it reads it
	} {
		k, err := c.OfficialOpen(ctx, step.who, number)
		if err != nil {
			t.Fatalf("%s opens: %v", step.who.User.ID, err)
		}
		if got := Unread(k, ActorOfficial); got != step.unread {
			t.Errorf("after %s opened it: %d unread for the city, want %d", step.who.User.ID, got, step.unread)
		}
	}
}
