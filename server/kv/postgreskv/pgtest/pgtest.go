// Package pgtest starts a real, throwaway PostgreSQL for tests: Debian's postgresql
// package (make test installs it), a cluster in a temporary directory on a free
// loopback port, run as the postgres user (PostgreSQL refuses to run as root), removed
// when the tests end. Each test gets a database of its own.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once     sync.Once
	cluster  *Cluster
	startErr error
	dbs      atomic.Int64
)

// Cluster is a running PostgreSQL.
type Cluster struct {
	dir  string
	port int
	bin  string
	as   []string // the command prefix that runs as the postgres user
}

// Main runs a test binary's tests and then stops the cluster, if one was started. A
// package whose tests use URL calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

// URL returns the address of a new, empty database on the shared cluster.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { cluster, startErr = Start() })
	if startErr != nil {
		t.Fatalf("PostgreSQL for the tests (make test installs Debian's postgresql): %v", startErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, cluster.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return cluster.URL(name)
}

// URL is the address of a database on the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Start initializes and starts a cluster.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	as := []string(nil)
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		as = []string{"runuser", "-u", "postgres", "--"}
	}
	stopOrphans(bin, as)
	// The directory names the test process, so that a later run can stop a cluster
	// whose tests were killed before they could.
	dir, err := os.MkdirTemp("", fmt.Sprintf("lomake-pg-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, as: as}
	if len(as) > 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-instructions"); err != nil {
		c.remove()
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c max_connections=300 -c shared_buffers=64MB", c.port, dir)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		c.remove()
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	return c, nil
}

// Stop stops the cluster and removes its directory.
func (c *Cluster) Stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	c.remove()
}

func (c *Cluster) remove() { os.RemoveAll(c.dir) }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, c.as...), append([]string{filepath.Join(c.bin, name)}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

// binDir finds Debian's PostgreSQL programs, newest version first.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql")
}

// stopOrphans stops and removes the clusters of test processes that are gone.
func stopOrphans(bin string, as []string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "lomake-pg-*-*"))
	for _, dir := range dirs {
		parts := strings.Split(filepath.Base(dir), "-")
		pid, err := strconv.Atoi(parts[2])
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		c := &Cluster{dir: dir, bin: bin, as: as}
		c.Stop()
	}
}

// alive reports whether process pid runs (a zombie, killed and not yet reaped, does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: believe kill
	}
	// "pid (comm) state …": the state follows the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
