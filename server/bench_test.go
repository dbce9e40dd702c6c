package server

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/ratelimit"
)

const benchDog = `{"owner": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "postOffice": "Helsinki", "email": "tessa@example.fi"},
  "dog": {"name": "Musti", "breed": "Suomenpystykorva", "sex": "female", "birthDate": "2024-03-01",
  "microchipNumber": "246098100123456"}}`

// BenchmarkSubmissions sends valid forms from 50 concurrent clients to a real server on
// loopback, each stored with a synced LevelDB write, and reports throughput and p99.
func BenchmarkSubmissions(b *testing.B) {
	// One resident sends them all: the per-user limit is set out of reach (but still
	// consulted), so that this measures the portal, not the limiter's refusals.
	limits = &api.Limits{Sends: ratelimit.Rule{Burst: 1 << 30, Every: time.Nanosecond}}
	defer func() { limits = nil }()
	base, _ := startServer(b, b.TempDir())
	const clients = 50
	// One registered resident, signed in once; every client sends with that session.
	client, csrf := signInHTTP(b, base, "010280-952L")
	client.Transport = &http.Transport{MaxIdleConnsPerHost: clients}
	client.Timeout = 30 * time.Second
	register, _ := http.NewRequest("PUT", base+"/api/v1/profile", strings.NewReader(`{"consent": true, "email": "tessa@example.fi", "language": "fi", "channel": "email"}`))
	register.Header.Set("Content-Type", "application/json")
	register.Header.Set("X-CSRF-Token", csrf)
	if res, err := client.Do(register); err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("registering: %v %v", res, err)
	}
	url := base + "/api/v1/services/dog-registration/submissions"
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(benchDog)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", csrf)
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
				latencies[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d submissions failed", n, b.N)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submissions/s")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
}
