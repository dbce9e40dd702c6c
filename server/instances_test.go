package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lomake/lomake/server/api"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
	"github.com/lomake/lomake/server/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// instanceEnv names the address a helper process serves on; see TestHelperInstance.
const instanceEnv = "LOMAKE_TEST_INSTANCE_ADDR"

// TestHelperInstance is not a test: it is one server instance on DATABASE_URL, started
// as a process of its own by the tests below so that it can be killed with SIGKILL.
func TestHelperInstance(t *testing.T) {
	addr := os.Getenv(instanceEnv)
	if addr == "" {
		t.Skip("a helper process of TestInstancesShareOnePostgreSQL")
	}
	srv, err := New(Config{DatabaseURL: os.Getenv("DATABASE_URL"), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		TestIdentification: true, Limits: &api.Limits{}})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	for i := 0; err != nil && i < 50; i++ { // the killed instance's port may linger
		time.Sleep(100 * time.Millisecond)
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	srv.Serve(ln)
}

// instance is a server process.
type instance struct {
	addr string
	cmd  *exec.Cmd
}

func startInstance(t testing.TB, url, addr string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInstance$")
	cmd.Env = append(os.Environ(), instanceEnv+"="+addr, "DATABASE_URL="+url)
	// Should this test process die, its instances die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		t.Fatalf("instance on %s: %q", addr, line)
	}
	go io.Copy(io.Discard, out)
	in := &instance{addr: addr, cmd: cmd}
	t.Cleanup(in.kill)
	return in
}

// kill stops the process at once, as kill -9 does.
func (in *instance) kill() {
	if in.cmd.ProcessState == nil {
		in.cmd.Process.Kill()
		in.cmd.Wait()
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Three instances on one PostgreSQL take 10,000 sends spread over them while one is
// killed with SIGKILL and started again: no acknowledged send is lost, none is stored
// twice, and each service's numbers run from 1 without a gap. A session made through
// one instance works on the others.
func TestInstancesShareOnePostgreSQL(t *testing.T) {
	sends := 10_000
	if testing.Short() {
		sends = 1_000
	}
	url := pgtest.URL(t)
	var instances [3]*instance
	for i := range instances {
		instances[i] = startInstance(t, url, freeAddr(t))
	}
	base := func(i int) string { return "http://" + instances[i%3].addr }

	// Residents sign in through the first instance and register.
	type resident struct {
		client *http.Client
		csrf   string
	}
	var residents []resident
	for _, code := range []string{"010280-952L", "010469-999W", "261298-998X", "010675-9981", "040265-9985"} {
		c, csrf := signInHTTP(t, base(0), code)
		req, _ := http.NewRequest("PUT", base(0)+"/api/v1/profile", strings.NewReader(`{"consent": true, "email": "x@example.fi", "language": "fi", "channel": "email"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := c.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("registering %s: %v %v", code, res, err)
		}
		res.Body.Close()
		c.Timeout = 15 * time.Second
		residents = append(residents, resident{c, csrf})
	}
	// ... and that session is known to every instance.
	for i := 1; i < 3; i++ {
		res, err := residents[0].client.Get(base(i) + "/api/v1/session")
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ Authenticated bool }
		json.NewDecoder(res.Body).Decode(&s)
		res.Body.Close()
		if !s.Authenticated {
			t.Fatalf("the session made on instance 1 is unknown to instance %d", i+1)
		}
	}

	// Sends go to the services in turn, so three counters share the load.
	services := []struct{ id, body string }{
		{"dog-registration", benchDog},
		{"resident-parking-permit", parkingDoc},
		{"dog-registration", benchDog},
	}
	acked := make([]string, sends) // the case number each send got
	var next, done, retries atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < 24; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= sends {
					return
				}
				r := residents[i%len(residents)]
				s := services[i%len(services)]
				key := fmt.Sprintf("send-%d", i)
				for attempt := 0; ; attempt++ {
					if time.Since(start) > 5*time.Minute {
						t.Errorf("send %d not acknowledged after 5 minutes", i)
						return
					}
					// Each try goes to the next instance, as a load balancer would.
					req, _ := http.NewRequest("POST", base(i+attempt)+"/api/v1/services/"+s.id+"/submissions", strings.NewReader(s.body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-CSRF-Token", r.csrf)
					req.Header.Set("Idempotency-Key", key)
					res, err := r.client.Do(req)
					if err != nil {
						retries.Add(1)
						time.Sleep(20 * time.Millisecond)
						continue
					}
					var answer struct{ CaseNumber string }
					json.NewDecoder(res.Body).Decode(&answer)
					res.Body.Close()
					if (res.StatusCode == 201 || res.StatusCode == 200) && answer.CaseNumber != "" {
						acked[i] = answer.CaseNumber
						if done.Add(1) == int64(sends*3/10) {
							close(killed)
						}
						break
					}
					if res.StatusCode < 500 {
						t.Errorf("send %d: %d", i, res.StatusCode)
						return
					}
					retries.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	// At 30 % the second instance dies mid-stream and comes back on the same address.
	<-killed
	instances[1].kill()
	time.Sleep(300 * time.Millisecond)
	instances[1] = startInstance(t, url, instances[1].addr)
	wg.Wait()
	elapsed := time.Since(start)
	if t.Failed() {
		return
	}
	t.Logf("%d sends over 3 instances in %v (%.0f/s), %d retried after the kill or a 5xx", sends, elapsed.Round(time.Millisecond), float64(sends)/elapsed.Seconds(), retries.Load())

	for _, in := range instances {
		in.kill()
	}
	st, err := store.OpenURL(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seen := map[string]int{}
	for i, n := range acked {
		if prev, ok := seen[n]; ok {
			t.Fatalf("sends %d and %d got the same case %s", prev, i, n)
		}
		seen[n] = i
	}
	for _, id := range []string{"dog-registration", "resident-parking-permit"} {
		stored, err := st.CasesByService(id)
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for _, c := range stored {
			if _, ok := seen[c.Number]; !ok {
				t.Errorf("%s stored but never acknowledged (a duplicate)", c.Number)
			}
			numbers = append(numbers, c.Number)
			delete(seen, c.Number)
		}
		sort.Strings(numbers)
		for i, n := range numbers {
			if want := fmt.Sprintf("-%06d", i+1); !strings.HasSuffix(n, want) {
				t.Fatalf("%s: the %d. number is %s: a gap or reuse", id, i+1, n)
			}
		}
	}
	if len(seen) > 0 {
		t.Errorf("%d acknowledged sends are not stored", len(seen))
	}
}

// The per-user limit holds across instances: a resident who spreads sends over two
// instances gets the burst once, not once per instance.
func TestRateLimitSharedByInstances(t *testing.T) {
	url := pgtest.URL(t)
	var bases []string
	for range 2 {
		srv, err := New(Config{DatabaseURL: url, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TestIdentification: true})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Shutdown(context.Background()) })
		bases = append(bases, "http://"+ln.Addr().String())
	}
	c, csrf := signInHTTP(t, bases[0], "010280-952L")
	send := func(base, path, body string) int {
		req, _ := http.NewRequest("PUT", base+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	profile := `{"consent": true, "email": "x@example.fi", "language": "fi", "channel": "email"}`
	for i := range api.DefaultLimits.ProfileChanges.Burst {
		if got := send(bases[i%2], "/api/v1/profile", profile); got != 200 {
			t.Fatalf("change %d: %d", i+1, got)
		}
	}
	if got := send(bases[1], "/api/v1/profile", profile); got != 429 {
		t.Errorf("past the burst on the other instance: %d, want 429", got)
	}
}

const parkingDoc = `{"applicant": {"firstName": "Tessa", "lastName": "Testilä", "personalIdentityCode": "010280-952L",
  "email": "tessa@example.fi", "phone": "+358 40 123 4567"},
  "address": {"streetAddress": "Pohjoisesplanadi 11", "postalCode": "00170", "city": "Helsinki"},
  "vehicle": {"registrationNumber": "ABC-123", "ownership": "leasing", "leasingCompanyBusinessId": "0112038-9"},
  "permit": {"zone": "A", "duration": "12", "startDate": "2027-01-01"}}`
