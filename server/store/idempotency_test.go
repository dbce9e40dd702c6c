package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A send retried, replayed or raced with the same key makes one case and answers
// every time with its number; other keys and other owners make their own.
func TestIdempotentCreate(t *testing.T) { forEachEngine(t, testIdempotentCreate) }

func testIdempotentCreate(t *testing.T, open func() *Store) {
	s := open()
	ctx := context.Background()
	c := Case{ServiceID: "dog-registration", Owner: "u1", Data: json.RawMessage(`{}`), CreatedAt: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	first, existing, err := s.CreateCaseOnce(ctx, "KOI", c, "key-1")
	if err != nil || existing || first.Number != "HEL-KOI-2026-000001" {
		t.Fatalf("first: %+v %v %v", first, existing, err)
	}
	var wg sync.WaitGroup
	numbers := make([]string, 20)
	for i := range numbers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, existing, err := s.CreateCaseOnce(ctx, "KOI", c, "key-1")
			if err != nil || !existing {
				t.Errorf("replay %d: existing %v, %v", i, existing, err)
			}
			numbers[i] = got.Number
		}()
	}
	wg.Wait()
	for i, n := range numbers {
		if n != first.Number {
			t.Errorf("replay %d got %s, want %s", i, n, first.Number)
		}
	}
	// 20 fresh keys sent at once, each twice: 20 cases.
	var mu sync.Mutex
	made := map[string]string{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "race-" + string(rune('a'+i%20))
			got, _, err := s.CreateCaseOnce(ctx, "KOI", c, key)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if prev, ok := made[key]; ok && prev != got.Number {
				t.Errorf("key %s made %s and %s", key, prev, got.Number)
			}
			made[key] = got.Number
		}()
	}
	wg.Wait()
	other := c
	other.Owner = "u2"
	theirs, existing, _ := s.CreateCaseOnce(ctx, "KOI", other, "key-1")
	if existing || theirs.Number == first.Number {
		t.Errorf("another owner's same key reused a case: %+v", theirs)
	}
	all, _ := s.CasesByService("dog-registration")
	if len(all) != 1+20+1 {
		t.Errorf("%d cases, want 22", len(all))
	}
	// The key survives a restart.
	s.Close()
	s = open()
	again, existing, err := s.CreateCaseOnce(ctx, "KOI", c, "key-1")
	if err != nil || !existing || again.Number != first.Number {
		t.Errorf("after restart: %+v %v %v", again, existing, err)
	}
}

// A key is bound to its send: the same key with another service or other data is
// refused, never answered with the first send's case number; racing sends too.
func TestIdempotencyKeyBoundToSend(t *testing.T) { forEachEngine(t, testIdempotencyKeyBoundToSend) }

func testIdempotencyKeyBoundToSend(t *testing.T, open func() *Store) {
	s := open()
	ctx := context.Background()
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	dog := Case{ServiceID: "dog-registration", Owner: "u1", Data: json.RawMessage(`{"dog":1}`), CreatedAt: at}
	if _, _, err := s.CreateCaseOnce(ctx, "KOI", dog, "k"); err != nil {
		t.Fatal(err)
	}
	parking := Case{ServiceID: "resident-parking-permit", Owner: "u1", Data: json.RawMessage(`{"car":1}`), CreatedAt: at}
	otherDog := dog
	otherDog.Data = json.RawMessage(`{"dog":2}`)
	for name, c := range map[string]Case{"another service": parking, "another body": otherDog} {
		t.Run(name, func(t *testing.T) {
			got, existing, err := s.CreateCaseOnce(ctx, "PYS", c, "k")
			if !errors.Is(err, ErrKeyReused) || existing || got.Number != "" {
				t.Errorf("got %q existing %v err %v, want ErrKeyReused", got.Number, existing, err)
			}
		})
	}
	t.Run("racing", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		made, refused := 0, 0
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := dog
				c.Data = json.RawMessage(fmt.Sprintf(`{"dog":%d}`, 100+i%2))
				_, existing, err := s.CreateCaseOnce(ctx, "KOI", c, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case errors.Is(err, ErrKeyReused):
					refused++
				case err == nil && !existing:
					made++
				}
			}()
		}
		wg.Wait()
		if made != 1 || refused != 5 {
			t.Errorf("made %d, refused %d; want 1 case and the 5 other bodies refused", made, refused)
		}
	})
}
