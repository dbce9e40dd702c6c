package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lomake/lomake/server/files"
	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/store"
)

const storeUsage = `usage:
  lomake store copy --from STORE --to STORE      copy everything into an empty store, verified
  lomake store backup --from STORE --to FILE     a consistent backup of a stopped portal's store
  lomake store restore --from FILE --to STORE    a backup into an empty store
  lomake store stats STORE                       keys per kind, files and a checksum

STORE is a LevelDB directory (leveldb:DIR, or just DIR) or postgres://… .
Attachments go with the rest: a LevelDB store's are the files in DIR/files, a
PostgreSQL store's are in the database.
A running portal's LevelDB store is locked by its server: back it up through the
admin API instead (GET /api/v1/admin/backup).`

// storeCommand runs "lomake store …" and returns the exit status.
func storeCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, storeUsage)
		return 2
	}
	fs := flag.NewFlagSet("store "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source")
	to := fs.String("to", "", "target")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	ctx := context.Background()
	var stats kv.Stats
	var err error
	switch args[0] {
	case "copy":
		err = withStores(ctx, *from, *to, func(src, dst kv.Store) error {
			stats, err = kv.Copy(ctx, src, dst)
			return err
		})
	case "backup":
		err = withStore(ctx, *from, true, func(src kv.Store) error {
			f, err := os.OpenFile(*to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			if stats, err = kv.Dump(ctx, src, f); err != nil {
				f.Close()
				os.Remove(*to)
				return err
			}
			if err := f.Sync(); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		})
	case "restore":
		var f *os.File
		if f, err = os.Open(*from); err == nil {
			defer f.Close()
			err = withStore(ctx, *to, false, func(dst kv.Store) error {
				stats, err = kv.Restore(ctx, f, dst)
				return err
			})
		}
	case "stats":
		err = withStore(ctx, fs.Arg(0), true, func(s kv.Store) error {
			stats, err = kv.Summarize(ctx, s)
			return err
		})
	default:
		fmt.Fprintln(stderr, storeUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "lomake store "+args[0]+":", err)
		return 1
	}
	n, size := files.Totals(stats)
	fmt.Fprintf(stdout, "%v\nfiles %d, %d bytes\n", stats, n, size)
	return 0
}

// withStore opens a store; a source (exists) must be there already: reading a
// directory that is not there would quietly make an empty store of it. A LevelDB
// store's attachments are files in DIR/files, where the server keeps them, and go
// with it as its side.
func withStore(ctx context.Context, spec string, exists bool, fn func(kv.Store) error) error {
	if spec == "" {
		return errors.New("name the store (--from, --to)")
	}
	where := strings.TrimPrefix(spec, "leveldb:")
	leveldb := !strings.Contains(where, "://")
	if exists && leveldb {
		if _, err := os.Stat(where); err != nil {
			return fmt.Errorf("no store at %s: %w", where, err)
		}
	}
	st, err := store.OpenURL(ctx, where)
	if err != nil {
		return err
	}
	defer st.Close()
	s := kv.Store{Engine: st.Engine()}
	if leveldb {
		d, err := files.Dir(filepath.Join(where, "files"))
		if err != nil {
			return err
		}
		s.Side = files.Records(d)
	}
	return fn(s)
}

func withStores(ctx context.Context, from, to string, fn func(src, dst kv.Store) error) error {
	return withStore(ctx, from, true, func(src kv.Store) error {
		return withStore(ctx, to, false, func(dst kv.Store) error { return fn(src, dst) })
	})
}
