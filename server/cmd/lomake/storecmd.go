package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lomake/lomake/server/kv"
	"github.com/lomake/lomake/server/store"
)

const storeUsage = `usage:
  lomake store copy --from STORE --to STORE      copy everything into an empty store, verified
  lomake store backup --from STORE --to FILE     a consistent backup of a stopped portal's store
  lomake store restore --from FILE --to STORE    a backup into an empty store
  lomake store stats STORE                       keys per kind and a checksum

STORE is a LevelDB directory (leveldb:DIR, or just DIR) or postgres://… .
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
		err = withStores(ctx, *from, *to, func(src, dst kv.Engine) error {
			stats, err = kv.Copy(ctx, src, dst)
			return err
		})
	case "backup":
		err = withStore(ctx, *from, true, func(src kv.Engine) error {
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
			err = withStore(ctx, *to, false, func(dst kv.Engine) error {
				stats, err = kv.Restore(ctx, f, dst)
				return err
			})
		}
	case "stats":
		err = withStore(ctx, fs.Arg(0), true, func(e kv.Engine) error {
			stats, err = kv.Summarize(ctx, e)
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
	fmt.Fprintln(stdout, stats)
	return 0
}

// withStore opens a store; a source (exists) must be there already: reading a
// directory that is not there would quietly make an empty store of it.
func withStore(ctx context.Context, spec string, exists bool, fn func(kv.Engine) error) error {
	if spec == "" {
		return errors.New("name the store (--from, --to)")
	}
	where := strings.TrimPrefix(spec, "leveldb:")
	if exists && !strings.Contains(where, "://") {
		if _, err := os.Stat(where); err != nil {
			return fmt.Errorf("no store at %s: %w", where, err)
		}
	}
	st, err := store.OpenURL(ctx, where)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st.Engine())
}

func withStores(ctx context.Context, from, to string, fn func(src, dst kv.Engine) error) error {
	return withStore(ctx, from, true, func(src kv.Engine) error {
		return withStore(ctx, to, false, func(dst kv.Engine) error { return fn(src, dst) })
	})
}
