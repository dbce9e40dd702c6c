package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/api"
)

// hostileBody is a body a signed-in registered resident may send to a form: the worst
// we can build within the body limit and the decoder's limits.
type hostileBody struct {
	name    string
	service string
	body    []byte
	want    int // the status every send of it must get
}

// hostileBodies builds the bodies. Every one fits in api.MaxBody except the one that is
// meant not to.
func hostileBodies() []hostileBody {
	const (
		daycare = "early-childhood-education"
		dog     = "dog-registration"
	)
	limit := api.MaxBody
	items := schemas.MaxValues - 2 // the root object and the array count too
	repeat := func(item string, n int) string {
		return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	}
	// fill repeats item in prefix…suffix as often as MaxBody allows.
	fill := func(prefix, item, suffix string) string {
		n := (limit - len(prefix) - len(suffix) + 1) / (len(item) + 1)
		return prefix + repeat(item, n) + suffix
	}
	keys := func(n, width int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%0*d":1`, width, i)
		}
		return b.String()
	}
	// 1e308 in 64 characters, the longest number the decoder takes.
	long1e308 := "1." + strings.Repeat("0", schemas.MaxNumberLen-6) + "e308"
	deep := strings.Repeat("[", schemas.MaxDepth-2) + "1" + strings.Repeat("]", schemas.MaxDepth-2)
	deepItems := items / (schemas.MaxDepth - 1)
	longString := strings.Repeat("a", limit-64)

	bodies := []hostileBody{
		{"daycare/valid", daycare, []byte(validDaycareBody), http.StatusCreated},
		{"dog/valid", dog, []byte(benchDog), http.StatusCreated},

		// Refused by the decoder.
		{"daycare/256KiB-of-1e308", daycare, []byte(fill(`{"preferredUnits":[`, "1e308", `]}`)), http.StatusBadRequest},
		{"daycare/1e400-at-end-of-256KiB", daycare, []byte(`{"child":{"firstName":"` + longString + `"},"x":1e400}`), http.StatusBadRequest},
		{"daycare/dup-key-at-end-of-256KiB", daycare, []byte(`{"child":{"firstName":"` + longString + `"},"child":{}}`), http.StatusBadRequest},
		{"daycare/dup-key-after-5k-keys", daycare, []byte(`{"child":{` + keys(items-1, 45) + `,"` + fmt.Sprintf("%045d", 7) + `":1}}`), http.StatusBadRequest},
		{"daycare/bad-utf8-at-end-of-256KiB", daycare, []byte(`{"child":{"firstName":"` + longString + "\xff" + `"}}`), http.StatusBadRequest},
		{"daycare/too-deep", daycare, []byte(`{"preferredUnits":` + strings.Repeat("[", schemas.MaxDepth) + strings.Repeat("]", schemas.MaxDepth) + `}`), http.StatusBadRequest},
		{"daycare/too-many-values", daycare, []byte(fill(`{"preferredUnits":[`, "1", `]}`)), http.StatusBadRequest},
		{"daycare/over-the-body-limit", daycare, []byte(fill(`{"child":{"firstName":"`, "a", `"}}`) + strings.Repeat(" ", 1024)), http.StatusRequestEntityTooLarge},

		// Taken by the decoder, refused by validation.
		{"daycare/256KiB-of-1e308-in-limits", daycare, []byte(fill(`{"preferredUnits":[`, long1e308, `]}`)), http.StatusUnprocessableEntity},
		{"daycare/5k-1e308", daycare, []byte(`{"preferredUnits":[` + repeat("1e308", items) + `]}`), http.StatusUnprocessableEntity},
		{"daycare/5k-failing-items-dup", daycare, []byte(`{"preferredUnits":[` + repeat(`"x"`, items) + `]}`), http.StatusUnprocessableEntity},
		{"daycare/5k-failing-items-long", daycare, []byte(`{"preferredUnits":[` + repeat(`"`+strings.Repeat("x", 48)+`"`, items) + `]}`), http.StatusUnprocessableEntity},
		{"daycare/2.5k-guardians-bad-key", daycare, []byte(`{"guardians":[` + repeat(`{"k":1}`, items/2) + `]}`), http.StatusUnprocessableEntity},
		{"daycare/deep-items-to-MaxDepth", daycare, []byte(`{"preferredUnits":[` + repeat(deep, deepItems) + `]}`), http.StatusUnprocessableEntity},
		{"daycare/5k-distinct-keys", daycare, []byte(`{"child":{` + keys(items, 45) + `}}`), http.StatusUnprocessableEntity},
		{"daycare/256KiB-string", daycare, []byte(`{"child":{"firstName":"` + longString + `"}}`), http.StatusUnprocessableEntity},
		{"dog/5k-distinct-keys", dog, []byte(`{"owner":{` + keys(items, 45) + `}}`), http.StatusUnprocessableEntity},
		{"dog/5k-root-keys-1e308", dog, []byte(`{` + strings.Replace(keys(items+1, 30), ":1", ":1e308", -1) + `}`), http.StatusUnprocessableEntity},
		{"dog/256KiB-identity-code", dog, []byte(`{"owner":{"personalIdentityCode":"` + longString + `"}}`), http.StatusUnprocessableEntity},
		{"dog/256KiB-email", dog, []byte(`{"owner":{"email":"` + longString[:limit-96] + `@example.fi"}}`), http.StatusUnprocessableEntity},
		{"dog/256KiB-escaped-string", dog, []byte(`{"dog":{"name":"` + strings.Repeat(`\u00e4`, (limit-64)/6) + `"}}`), http.StatusUnprocessableEntity},
		{"dog/deep-to-MaxDepth", dog, []byte(`{"owner":` + strings.Repeat(`{"a":`, schemas.MaxDepth-1) + "1" + strings.Repeat("}", schemas.MaxDepth-1) + `}`), http.StatusUnprocessableEntity},
	}
	return bodies
}

const validDaycareBody = `{"child": {"firstName": "Aino", "lastName": "Virtanen", "personalIdentityCode": "010516B903X",
  "birthDate": "2016-05-01", "streetAddress": "Mannerheimintie 1", "postalCode": "00100", "postOffice": "Helsinki",
  "nativeLanguage": "suomi"},
  "guardians": [{"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "phone": "040 123 4567", "email": "tessa@example.fi", "employmentStatus": "working"}],
  "care": {"startDate": "2027-08-01", "careNeed": "full-day", "serviceLanguage": "fi"},
  "preferredUnits": ["kalasatama", "vallila"], "confirmation": {"informationCorrect": true}}`

// BenchmarkHostileBodies sends each hostile body, one request at a time, as a signed-in
// registered resident to a real server on loopback with no rate limits (so that it
// measures the cost of a body, not the limiter), and reports per request: the time to
// the answer, the status, the process's CPU time (the server runs in this process; the
// client's share is small) and the bytes allocated, and the heap in use that the run
// left behind. It ends with a table of all bodies on standard output.
//
//	go test -run '^$' -bench HostileBodies -benchtime 10x ./server/
func BenchmarkHostileBodies(b *testing.B) {
	base := startUnlimitedServer(b)
	client, csrf := signInHTTP(b, base, "010280-952L")
	client.Transport = &http.Transport{MaxIdleConnsPerHost: 4}
	client.Timeout = time.Minute
	register, _ := http.NewRequest("PUT", base+"/api/v1/profile", strings.NewReader(`{"consent":true,"email":"x@example.fi","language":"fi","channel":"email"}`))
	register.Header.Set("Content-Type", "application/json")
	register.Header.Set("X-CSRF-Token", csrf)
	if res, err := client.Do(register); err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("registering: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	type row struct {
		name                                   string
		size, status, n                        int
		msPerReq, cpuMsPerReq, allocKBPerReq   float64
		heapGrowthMB, heapRetainedMB, answerKB float64
	}
	var rows []row
	for _, hb := range hostileBodies() {
		if len(hb.body) > api.MaxBody && hb.want != http.StatusRequestEntityTooLarge {
			b.Fatalf("%s: %d bytes, over the %d-byte limit", hb.name, len(hb.body), api.MaxBody)
		}
		url := base + "/api/v1/services/" + hb.service + "/submissions"
		send := func() (int, int) {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(hb.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", csrf)
			res, err := client.Do(req)
			if err != nil {
				b.Fatalf("%s: %v", hb.name, err)
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res.StatusCode, int(n)
		}
		b.Run(hb.name, func(b *testing.B) {
			if status, _ := send(); status != hb.want { // warm up, and check once
				b.Fatalf("status %d, want %d", status, hb.want)
			}
			var before, after, retained runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			cpu0 := cpuTime()
			answer := 0
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				status, n := send()
				if status != hb.want {
					b.Fatalf("status %d, want %d", status, hb.want)
				}
				answer = n
			}
			elapsed := time.Since(start)
			b.StopTimer()
			cpu := cpuTime() - cpu0
			runtime.ReadMemStats(&after)
			runtime.GC()
			runtime.ReadMemStats(&retained)
			r := row{
				name: hb.name, size: len(hb.body), status: hb.want, n: b.N,
				msPerReq:       float64(elapsed.Microseconds()) / 1000 / float64(b.N),
				cpuMsPerReq:    float64(cpu.Microseconds()) / 1000 / float64(b.N),
				allocKBPerReq:  float64(after.TotalAlloc-before.TotalAlloc) / 1024 / float64(b.N),
				heapGrowthMB:   (float64(after.HeapInuse) - float64(before.HeapInuse)) / (1 << 20),
				heapRetainedMB: (float64(retained.HeapInuse) - float64(before.HeapInuse)) / (1 << 20),
				answerKB:       float64(answer) / 1024,
			}
			b.ReportMetric(r.msPerReq, "ms/req")
			b.ReportMetric(r.cpuMsPerReq, "cpu-ms/req")
			b.ReportMetric(r.allocKBPerReq, "alloc-KB/req")
			b.ReportMetric(r.heapGrowthMB, "heap-growth-MB")
			b.ReportMetric(float64(r.status), "status")
			if len(rows) > 0 && rows[len(rows)-1].name == r.name {
				rows[len(rows)-1] = r // the larger run of the same body
			} else {
				rows = append(rows, r)
			}
		})
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n%-40s %8s %6s %5s %9s %11s %12s %12s %14s %9s\n", "body", "bytes", "status", "n", "ms/req", "cpu-ms/req", "alloc-KB/req", "heap-grow-MB", "heap-retain-MB", "answer-KB")
	for _, r := range rows {
		fmt.Fprintf(&t, "%-40s %8d %6d %5d %9.2f %11.2f %12.0f %12.1f %14.1f %9.1f\n", r.name, r.size, r.status, r.n,
			r.msPerReq, r.cpuMsPerReq, r.allocKBPerReq, r.heapGrowthMB, r.heapRetainedMB, r.answerKB)
	}
	fmt.Fprintf(&t, "(%d CPUs; CPU time is the whole process, the client's share included)", runtime.GOMAXPROCS(0))
	// The parent of sub-benchmarks prints no log lines: write the table out.
	fmt.Println(t.String())
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startUnlimitedServer runs the portal on loopback like startServer, without per-user
// rate limits, and returns its URL.
func startUnlimitedServer(b *testing.B) string {
	b.Helper()
	srv, err := New(Config{
		DataDir:            b.TempDir(),
		Log:                slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestIdentification: true,
		Limits:             &api.Limits{}, // zero rules: unlimited
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			b.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
