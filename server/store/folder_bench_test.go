package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/lomake/lomake/server/kv"
)

// BenchmarkFolderAndQueue fills a store with a million cases (LOMAKE_BENCH_CASES to
// change it), one resident owning 200 of them and one service 50,000, then measures the
// resident's folder and the first page of that service's back-office queue, on each
// engine. Filling is a bulk load straight through the rules' keys, not a million sends.
func BenchmarkFolderAndQueue(b *testing.B) {
	total := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("LOMAKE_BENCH_CASES")); err == nil && n > 0 {
		total = n
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			db := e.db(b)
			s, err := db()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			start := time.Now()
			fill(b, s, total)
			b.Logf("%s: %d cases loaded in %v", e.name, total, time.Since(start).Round(time.Second))
			ctx := context.Background()
			folder := timeIt(b, 200, func() {
				cs, err := s.CasesByOwner(ctx, "resident-200")
				if err != nil || len(cs) != 200 {
					b.Fatalf("folder: %d, %v", len(cs), err)
				}
			})
			queue := timeIt(b, 200, func() {
				cs, _, err := s.Queue(ctx, []string{"busy-service"}, "", "", 50)
				if err != nil || len(cs) != 50 {
					b.Fatalf("queue: %d, %v", len(cs), err)
				}
			})
			b.ReportMetric(folder[0], "folder-p50-ms")
			b.ReportMetric(folder[1], "folder-p99-ms")
			b.ReportMetric(queue[0], "queue-p50-ms")
			b.ReportMetric(queue[1], "queue-p99-ms")
		})
	}
}

// fill writes total cases: resident-200 owns every 5,000th (200 of a million), and
// busy-service gets every 20th (50,000 of a million).
func fill(b *testing.B, s *Store, total int) {
	data := json.RawMessage(`{"owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki", "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01", "microchipNumber": "246098100123456"}}`)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 2000
	for i := 0; i < total; i += batch {
		err := s.e.Update(context.Background(), func(tx kv.Tx) error {
			for j := i; j < min(i+batch, total); j++ {
				c := Case{Number: fmt.Sprintf("HEL-BEN-2026-%07d", j+1), ServiceID: "dog-registration", ServiceVersion: 1,
					Status: "SENT", Lang: "fi", Owner: "r" + strconv.Itoa(j%997), Data: data,
					CreatedAt: at.Add(time.Duration(j) * time.Second)}
				if j%(total/200) == 0 {
					c.Owner = "resident-200"
				}
				if j%20 == 0 {
					c.ServiceID = "busy-service"
				}
				c.UpdatedAt = c.CreatedAt
				c.Events = []Event{{At: c.CreatedAt, ActorKind: "resident", Kind: "sent", Status: "SENT"}}
				v, _ := json.Marshal(c)
				tx.Put(caseKey(c.Number), v)
				putIndexes(tx, c, "")
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// timeIt runs fn n times and returns its p50 and p99 in milliseconds.
func timeIt(b *testing.B, n int, fn func()) [2]float64 {
	ds := make([]time.Duration, n)
	for i := range ds {
		t0 := time.Now()
		fn()
		ds[i] = time.Since(t0)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return [2]float64{ms(ds[n/2]), ms(ds[n*99/100])}
}
