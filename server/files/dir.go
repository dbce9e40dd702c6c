package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// DirStore keeps each file as a file of its own in a directory: <dir>/<id[:2]>/<id>.
// A Put writes <id[:2]>/.tmp-<id> in the same directory, syncs it and renames it into
// place, so a file is either whole or not there; a crash leaves at most the temporary
// file, which Delete(id) removes. One process should own the directory (as LevelDB
// owns DATA_DIR); several instances need KV.
type DirStore struct {
	path string
}

// Dir returns the store in path, creating the directory if needed (owner only).
func Dir(path string) (*DirStore, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &DirStore{path: path}, nil
}

func (d *DirStore) paths(id string) (sub, final, tmp string) {
	sub = filepath.Join(d.path, id[:2])
	return sub, filepath.Join(sub, id), filepath.Join(sub, tmpPrefix+id)
}

// tmpPrefix starts the name of the file an unfinished Put is writing.
const tmpPrefix = ".tmp-"

// Put implements Store.
func (d *DirStore) Put(ctx context.Context, id string, r io.Reader, max int64) (info Info, err error) {
	if !ValidID(id) {
		return Info{}, ErrBadID
	}
	sub, final, tmp := d.paths(id)
	newSub := false
	if _, err := os.Stat(sub); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(sub, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return Info{}, fmt.Errorf("files: %w", err)
		}
		newSub = true
	}
	if _, err := os.Lstat(final); err == nil {
		return Info{}, ErrExists
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Info{}, ErrExists
	}
	if err != nil {
		return Info{}, fmt.Errorf("files: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	buf := make([]byte, copyBuf)
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return Info{}, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			size += int64(n)
			if size > max {
				return Info{}, ErrTooLarge
			}
			h.Write(buf[:n])
			if _, err := f.Write(buf[:n]); err != nil {
				return Info{}, fmt.Errorf("files: %w", err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return Info{}, rerr
		}
	}
	if err := commit(f, sub, final, tmp); err != nil {
		return Info{}, err
	}
	// A new directory is durable once its parent is.
	if newSub {
		if err := syncDir(d.path); err != nil {
			return Info{}, err
		}
	}
	return Info{ID: id, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// commit puts the temporary file f, written whole, in place as final, durably.
func commit(f *os.File, sub, final, tmp string) error {
	if err := f.Sync(); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	// The rename is durable once its directory is.
	return syncDir(sub)
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("files: sync %s: %w", path, err)
	}
	return nil
}

// Open implements Store.
func (d *DirStore) Open(_ context.Context, id string) (io.ReadCloser, error) {
	if !ValidID(id) {
		return nil, ErrNotFound
	}
	_, final, _ := d.paths(id)
	f, err := os.Open(final)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return f, nil
}

// Delete implements Store.
func (d *DirStore) Delete(_ context.Context, id string) error {
	if !ValidID(id) {
		return ErrBadID
	}
	_, final, tmp := d.paths(id)
	for _, p := range []string{final, tmp} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("files: %w", err)
		}
	}
	return nil
}
