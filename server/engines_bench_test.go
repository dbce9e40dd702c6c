package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/kv/postgreskv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

// BenchmarkEngines sends from 50 concurrent clients and saves drafts from 15, on
// LevelDB, on PostgreSQL, and on three instances sharing PostgreSQL, and reports
// throughput and p50/p99 of each. Rate limits are off: this measures storage.
func BenchmarkEngines(b *testing.B) {
	for _, c := range []struct {
		name      string
		instances int
		pg        bool
	}{{"leveldb", 1, false}, {"postgres", 1, true}, {"postgres-3-instances", 3, true}} {
		b.Run(c.name, func(b *testing.B) {
			cfg := Config{DataDir: b.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TestIdentification: true, Limits: &api.Limits{}}
			if c.pg {
				cfg.DatabaseURL = pgtest.URL(b)
			}
			var bases []string
			var servers []*Server
			for range c.instances {
				srv, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				servers = append(servers, srv)
				ln, _ := net.Listen("tcp", "127.0.0.1:0")
				go srv.Serve(ln)
				b.Cleanup(func() { srv.Shutdown(context.Background()) })
				bases = append(bases, "http://"+ln.Addr().String())
			}
			type user struct {
				client *http.Client
				csrf   string
			}
			var users []user
			for _, code := range []string{"010280-952L", "010469-999W", "261298-998X", "010675-9981", "040265-9985"} {
				client, csrf := signInHTTP(b, bases[0], code)
				client.Transport = &http.Transport{MaxIdleConnsPerHost: 50}
				do(b, client, csrf, "PUT", bases[0]+"/api/v1/profile", `{"consent": true, "email": "x@example.fi", "language": "fi", "channel": "email"}`, nil)
				users = append(users, user{client, csrf})
			}
			b.ResetTimer()
			sends := measure(b, 50, b.N, func(i int) error {
				u := users[i%len(users)]
				return expect(do(b, u.client, u.csrf, "POST", bases[i%len(bases)]+"/api/v1/services/dog-registration/submissions", benchDog, nil), 201)
			})
			services := []string{"dog-registration", "resident-parking-permit", "early-childhood-education"}
			// 15 drafts (5 residents × 3 services), each saved by one request at a time.
			revs := make([]atomic.Int64, 15)
			var slots [15]sync.Mutex
			saves := measure(b, 15, b.N, func(i int) error {
				slot := i % 15
				slots[slot].Lock()
				defer slots[slot].Unlock()
				u := users[slot%len(users)]
				rev := revs[slot].Load()
				hdr := map[string]string{"If-None-Match": "*"}
				if rev > 0 {
					hdr = map[string]string{"If-Match": fmt.Sprintf(`"%d"`, rev)}
				}
				status := do(b, u.client, u.csrf, "PUT", bases[i%len(bases)]+"/api/v1/drafts/"+services[slot/len(users)], fmt.Sprintf(`{"schemaVersion":1,"data":{"n":%d}}`, i), hdr)
				if status == 200 {
					revs[slot].Add(1)
					return nil
				}
				return expect(status, 200)
			})
			b.StopTimer()
			b.ReportMetric(sends.rate, "sends/s")
			b.ReportMetric(sends.p50, "send-p50-ms")
			b.ReportMetric(sends.p99, "send-p99-ms")
			b.ReportMetric(saves.p50, "save-p50-ms")
			b.ReportMetric(saves.p99, "save-p99-ms")
			if c.pg {
				var conflicts int64
				for _, srv := range servers {
					conflicts += srv.store.Engine().(*postgreskv.DB).Conflicts()
				}
				b.ReportMetric(float64(conflicts)/float64(2*b.N), "conflicts/op")
			}
		})
	}
}

type measured struct{ rate, p50, p99 float64 }

// measure runs n calls of fn from workers goroutines; a call's index is its order.
func measure(b *testing.B, workers, n int, fn func(i int) error) measured {
	latencies := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := fn(i); err != nil {
					failed.Store(err)
					return
				}
				latencies[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return measured{float64(n) / elapsed.Seconds(), ms(latencies[n/2]), ms(latencies[n*99/100])}
}

func do(b testing.TB, c *http.Client, csrf, method, url, body string, hdr map[string]string) int {
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func expect(got, want int) error {
	if got != want {
		return fmt.Errorf("status %d, want %d", got, want)
	}
	return nil
}
