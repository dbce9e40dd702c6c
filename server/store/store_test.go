package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/kv/leveldbkv"
	"github.com/lomake/lomake/server/kv/postgreskv/pgtest"
)

// openTest opens a LevelDB store in dir, for the tests that are about LevelDB.
func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newCase(serviceID string, at time.Time) Case {
	return Case{
		ServiceID:      serviceID,
		ServiceVersion: 3,
		Lang:           "fi",
		Data:           json.RawMessage(`{"name":"Musti","chip":"123"}`),
		CreatedAt:      at,
	}
}

func mustCreate(t testing.TB, s *Store, code string, c Case) Case {
	t.Helper()
	got, err := s.CreateCase(context.Background(), code, c)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var t2026 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func TestCreateCaseRoundTrip(t *testing.T) { forEachEngine(t, testCreateCaseRoundTrip) }

func testCreateCaseRoundTrip(t *testing.T, open func() *Store) {
	s := open()

	c1 := mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	if c1.Number != "HEL-KOI-2026-000001" {
		t.Errorf("first number = %q, want HEL-KOI-2026-000001", c1.Number)
	}
	if c1.Status != "SENT" || !c1.UpdatedAt.Equal(c1.CreatedAt) {
		t.Errorf("status %q, updatedAt %v; want SENT and createdAt %v", c1.Status, c1.UpdatedAt, c1.CreatedAt)
	}
	c2 := mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	if c2.Number != "HEL-KOI-2026-000002" {
		t.Errorf("second number = %q, want HEL-KOI-2026-000002", c2.Number)
	}

	got, err := s.Case(c1.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != c1.Number || got.ServiceID != "dog-registration" || got.ServiceVersion != 3 ||
		got.Status != "SENT" || got.Lang != "fi" || string(got.Data) != `{"name":"Musti","chip":"123"}` ||
		!got.CreatedAt.Equal(t2026) || !got.UpdatedAt.Equal(t2026) {
		t.Errorf("read back %+v, want %+v", got, c1)
	}
}

func TestCreateCaseCountersPerCodeAndYear(t *testing.T) {
	forEachEngine(t, testCreateCaseCountersPerCodeAndYear)
}

func testCreateCaseCountersPerCodeAndYear(t *testing.T, open func() *Store) {
	s := open()

	mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	if got := mustCreate(t, s, "PYS", newCase("parking-permit", t2026)).Number; got != "HEL-PYS-2026-000001" {
		t.Errorf("other code = %q, want HEL-PYS-2026-000001", got)
	}
	t2027 := time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)
	if got := mustCreate(t, s, "KOI", newCase("dog-registration", t2027)).Number; got != "HEL-KOI-2027-000001" {
		t.Errorf("new year = %q, want HEL-KOI-2027-000001", got)
	}
	if got := mustCreate(t, s, "KOI", newCase("dog-registration", t2026)).Number; got != "HEL-KOI-2026-000003" {
		t.Errorf("back in 2026 = %q, want HEL-KOI-2026-000003", got)
	}
}

func TestCaseNotFound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
		if _, err := s.Case("HEL-KOI-2026-000999"); err != ErrNotFound {
			t.Errorf("Case(unknown) error = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateCaseRejectsBadInput(t *testing.T) { forEachEngine(t, testCreateCaseRejectsBadInput) }

func testCreateCaseRejectsBadInput(t *testing.T, open func() *Store) {
	s := open()
	ctx := context.Background()
	if _, err := s.CreateCase(ctx, "K/OI", newCase("dog-registration", t2026)); err == nil {
		t.Error("code with '/' accepted")
	}
	if _, err := s.CreateCase(ctx, "KOI", newCase("dog/registration", t2026)); err == nil {
		t.Error("service id with '/' accepted")
	}
	bad := newCase("dog-registration", t2026)
	bad.Data = json.RawMessage(`{"name":`)
	if _, err := s.CreateCase(ctx, "KOI", bad); err == nil {
		t.Error("invalid JSON data accepted")
	}
	// Rejected requests must not consume numbers.
	if got := mustCreate(t, s, "KOI", newCase("dog-registration", t2026)).Number; got != "HEL-KOI-2026-000001" {
		t.Errorf("after rejects = %q, want HEL-KOI-2026-000001", got)
	}
}

func TestCasesByService(t *testing.T) { forEachEngine(t, testCasesByService) }

func testCasesByService(t *testing.T, open func() *Store) {
	s := open()
	for range 3 {
		mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
		mustCreate(t, s, "KOIX", newCase("dog-registration-extra", t2026))
	}
	got, err := s.CasesByService("dog-registration")
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, c := range got {
		numbers = append(numbers, c.Number)
	}
	want := "HEL-KOI-2026-000001 HEL-KOI-2026-000002 HEL-KOI-2026-000003"
	if strings.Join(numbers, " ") != want {
		t.Errorf("CasesByService = %v, want %s", numbers, want)
	}
	none, err := s.CasesByService("no-such-service")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("CasesByService(unknown) = %v, %v; want empty slice, nil", none, err)
	}
}

func TestRestartContinuesNumbering(t *testing.T) { forEachEngine(t, testRestartContinuesNumbering) }

func testRestartContinuesNumbering(t *testing.T, open func() *Store) {
	s := open()
	var created []Case
	for range 5 {
		created = append(created, mustCreate(t, s, "KOI", newCase("dog-registration", t2026)))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open()
	for _, c := range created {
		if _, err := s.Case(c.Number); err != nil {
			t.Errorf("after restart, Case(%s): %v", c.Number, err)
		}
	}
	if got := mustCreate(t, s, "KOI", newCase("dog-registration", t2026)).Number; got != "HEL-KOI-2026-000006" {
		t.Errorf("after restart = %q, want HEL-KOI-2026-000006", got)
	}
}

func TestCreateCaseConcurrent(t *testing.T) { forEachEngine(t, testCreateCaseConcurrent) }

func testCreateCaseConcurrent(t *testing.T, open func() *Store) {
	s := open()
	const workers, each = 50, 20

	var (
		mu   sync.Mutex
		seen = make(map[string]bool)
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for range each {
				c, err := s.CreateCase(context.Background(), "KOI", newCase("dog-registration", t2026))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[c.Number] {
					t.Errorf("number %s handed out twice", c.Number)
				}
				seen[c.Number] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	if len(seen) != workers*each {
		t.Fatalf("got %d distinct numbers, want %d", len(seen), workers*each)
	}
	for i := 1; i <= workers*each; i++ {
		n := fmt.Sprintf("HEL-KOI-2026-%06d", i)
		if !seen[n] {
			t.Errorf("number %s missing", n)
			continue
		}
		if _, err := s.Case(n); err != nil {
			t.Errorf("Case(%s): %v", n, err)
		}
	}
}

// Two server instances sharing one PostgreSQL database number cases as one: every
// number once, without gaps, and one case per idempotency key whichever instance
// a send reaches.
func TestCreateCaseTwoInstances(t *testing.T) {
	url := pgtest.URL(t)
	var instances [2]*Store
	for i := range instances {
		s, err := OpenURL(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		instances[i] = s
	}
	const workers, each, keys = 4, 10, 10
	var (
		mu     sync.Mutex
		seen   = map[string]int{}
		byKey  = map[string]map[string]bool{}
		wg     sync.WaitGroup
		record = func(number, key string) {
			mu.Lock()
			defer mu.Unlock()
			if key == "" {
				seen[number]++
				return
			}
			if byKey[key] == nil {
				byKey[key] = map[string]bool{}
			}
			byKey[key][number] = true
		}
	)
	for _, s := range instances {
		for range workers {
			wg.Go(func() {
				for range each {
					c, err := s.CreateCase(context.Background(), "KOI", newCase("dog-registration", t2026))
					if err != nil {
						t.Error(err)
						return
					}
					record(c.Number, "")
				}
			})
		}
		wg.Go(func() {
			for k := range keys {
				c := newCase("dog-registration", t2026)
				c.Owner = "u1"
				key := fmt.Sprint("key-", k)
				got, _, err := s.CreateCaseOnce(context.Background(), "KOI", c, key)
				if err != nil {
					t.Error(err)
					return
				}
				record(got.Number, key)
			}
		})
	}
	wg.Wait()
	for key, numbers := range byKey {
		if len(numbers) != 1 {
			t.Errorf("key %s made %d cases: %v", key, len(numbers), numbers)
		}
		for n := range numbers {
			seen[n]++
		}
	}
	total := 2*workers*each + keys
	for i := 1; i <= total; i++ {
		if n := fmt.Sprintf("HEL-KOI-2026-%06d", i); seen[n] != 1 {
			t.Errorf("number %s handed out %d times", n, seen[n])
		}
	}
	if len(seen) != total {
		t.Errorf("%d numbers, want %d", len(seen), total)
	}
}

// TestCreateCaseWriteFailure checks that a failed commit reports the error to
// its callers and that the numbers it tried are reused, leaving no gap, and that its
// idempotency key was not kept. LevelDB only: the engine's Write is the hook.
func TestCreateCaseWriteFailure(t *testing.T) {
	db, err := leveldbkv.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := New(db)
	t.Cleanup(func() { s.Close() })
	mustCreate(t, s, "KOI", newCase("dog-registration", t2026))

	// Safe to swap: the writer only reads db.Write while handling a request.
	realWrite := db.Write
	db.Write = func(*leveldb.Batch, *opt.WriteOptions) error { return errors.New("disk full") }
	if _, err := s.CreateCase(context.Background(), "KOI", newCase("dog-registration", t2026)); err == nil {
		t.Fatal("CreateCase succeeded with failing write")
	}
	keyed := newCase("dog-registration", t2026)
	keyed.Owner = "u1"
	if _, _, err := s.CreateCaseOnce(context.Background(), "KOI", keyed, "k"); err == nil {
		t.Fatal("CreateCaseOnce succeeded with failing write")
	}
	db.Write = realWrite

	got := mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	if got.Number != "HEL-KOI-2026-000002" {
		t.Errorf("after failed write = %q, want HEL-KOI-2026-000002", got.Number)
	}
	again, existing, err := s.CreateCaseOnce(context.Background(), "KOI", keyed, "k")
	if err != nil || existing || again.Number != "HEL-KOI-2026-000003" {
		t.Errorf("the key of a failed write, sent again: %q existing %v, %v; want a new HEL-KOI-2026-000003", again.Number, existing, err)
	}
}

func TestCreateCaseCanceledContext(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func() *Store) {
		s := open()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.CreateCase(ctx, "KOI", newCase("dog-registration", t2026)); !errors.Is(err, context.Canceled) {
			t.Errorf("canceled CreateCase error = %v, want context.Canceled", err)
		}
		// It took no number.
		if got := mustCreate(t, s, "KOI", newCase("dog-registration", t2026)).Number; got != "HEL-KOI-2026-000001" {
			t.Errorf("after a canceled CreateCase = %q, want HEL-KOI-2026-000001", got)
		}
	})
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatal("second Open of the same dir succeeded")
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("second Open error = %q, want it to say the database is locked", err)
	}
}

func TestUseAfterClose(t *testing.T) { forEachEngine(t, testUseAfterClose) }

func testUseAfterClose(t *testing.T, open func() *Store) {
	s := open()
	c := mustCreate(t, s, "KOI", newCase("dog-registration", t2026))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCase(context.Background(), "KOI", newCase("dog-registration", t2026)); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("CreateCase after Close: %v, want kv.ErrClosed", err)
	}
	if _, err := s.Case(c.Number); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Case after Close: %v, want kv.ErrClosed", err)
	}
	if _, err := s.CasesByService("dog-registration"); err == nil {
		t.Error("CasesByService after Close succeeded")
	}
	if err := s.Close(); err == nil {
		t.Error("second Close succeeded")
	}
}

const crashDirEnv = "LOMAKE_STORE_CRASH_DIR"

// TestKill9Durability runs TestHelperCrashWriter in a child process, kills it
// with SIGKILL after it has acknowledged some cases, and checks that every
// acknowledged case survived.
func TestKill9Durability(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	const want = 200
	dir := t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperCrashWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var acked []string
	sc := bufio.NewScanner(stdout)
	for len(acked) < want && sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "HEL-") {
			acked = append(acked, line)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < want {
		t.Fatalf("child acknowledged only %d cases before exiting (scan error: %v)", len(acked), sc.Err())
	}

	s := openTest(t, dir)
	for _, n := range acked {
		if _, err := s.Case(n); err != nil {
			t.Errorf("acknowledged case %s lost after kill -9: %v", n, err)
		}
	}
	// The next number must not reuse one that was acknowledged before the kill.
	next := mustCreate(t, s, "KOI", newCase("dog-registration", time.Now()))
	if slices.Contains(acked, next.Number) {
		t.Errorf("number %s reused after kill -9", next.Number)
	}
}

// TestHelperCrashWriter is the child of TestKill9Durability. It creates cases
// from several goroutines and prints each acknowledged number, until it is
// killed or reaches its own limits.
func TestHelperCrashWriter(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("helper process for TestKill9Durability")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	deadline := time.Now().Add(30 * time.Second)
	var (
		mu sync.Mutex // one line per write, never interleaved
		wg sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for i := 0; i < 5000 && time.Now().Before(deadline); i++ {
				c, err := s.CreateCase(context.Background(), "KOI", newCase("dog-registration", time.Now()))
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintln(os.Stdout, c.Number)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.Close()
}

func BenchmarkCreateCaseParallel(b *testing.B) {
	s := openTest(b, b.TempDir())
	c := newCase("dog-registration", t2026)
	b.SetParallelism(16) // many writers per CPU, as with HTTP handlers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.CreateCase(context.Background(), "KOI", c); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
