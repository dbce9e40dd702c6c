// Package authoring serves form authors while they write a service: with a schema
// folder to follow (LOMAKE_SCHEMAS, which make run sets), the server reads the folder
// again as soon as a file in it changes, keeps serving the last good version of a file
// that has mistakes, and tells the preview page (/{lang}/preview/{service}) what the
// mistakes are, so that the page shows them and draws the form again.
package authoring

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/router"
)

// Every is how often the folder is looked at: a saved file shows on an open preview
// within a second.
const Every = 250 * time.Millisecond

// Watcher follows a schema folder.
type Watcher struct {
	dir  string
	reg  *schemas.Registry
	log  *slog.Logger
	seen string
	stop chan struct{}
	done chan struct{}
}

// Load reads the folder into a new registry and follows it until Stop. Unlike
// schemas.Load it starts with files that have mistakes, left out and logged: an
// author's half-written file must not stop the server they preview it on.
func Load(dir string, log *slog.Logger) (*Watcher, error) {
	w := &Watcher{dir: dir, reg: schemas.Catalog(nil), log: log, stop: make(chan struct{}), done: make(chan struct{})}
	if err := w.reload(); err != nil {
		return nil, err
	}
	go w.run()
	return w, nil
}

// Services are the folder's services, kept up to date.
func (w *Watcher) Services() *schemas.Registry { return w.reg }

// Stop ends the following.
func (w *Watcher) Stop() {
	close(w.stop)
	<-w.done
}

func (w *Watcher) run() {
	defer close(w.done)
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			if err := w.reload(); err != nil {
				w.log.Error("reading the schema folder", "dir", w.dir, "err", err)
			}
		}
	}
}

// reload reads the folder again if a file in it has changed (a name, size or
// modification time of its JSON files).
func (w *Watcher) reload() error {
	sig, err := signature(w.dir)
	if err != nil {
		return err
	}
	if sig == w.seen {
		return nil
	}
	start := time.Now()
	problems, err := w.reg.Reload(os.DirFS(w.dir))
	if err != nil {
		return err
	}
	first := w.seen == ""
	w.seen = sig
	for _, p := range problems {
		w.log.Warn("schema problem: the last good version keeps serving", "problem", p)
	}
	if !first || len(problems) > 0 {
		w.log.Info("schemas read", "dir", w.dir, "services", len(w.reg.Entries()), "problems", len(problems),
			"took", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

func signature(dir string) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		info, err := os.Stat(n)
		if err != nil {
			if os.IsNotExist(err) {
				continue // removed while we looked
			}
			return "", err
		}
		fmt.Fprintf(h, "%s %d %d\n", n, info.Size(), info.ModTime().UnixNano())
	}
	if len(names) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("authoring: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Routes adds the preview's API: GET /api/v1/preview/{id}, what the last reading
// found wrong in the service's file and how many readings there have been.
func (w *Watcher) Routes(rt *router.Router) {
	rt.Handle(router.Route{Method: "GET", Pattern: apiv1.Prefix + "/preview/{id}", Handler: w.preview})
}

func (w *Watcher) preview(rw http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	problems, gen := w.reg.Problems(id)
	if w.reg.Entry(id) == nil && len(problems) == 0 {
		router.Problem(rw, r, http.StatusNotFound, "notFound", nil)
		return
	}
	rw.Header().Set("Cache-Control", "no-store")
	router.JSON(rw, http.StatusOK, apiv1.Preview{Generation: gen, Problems: problems})
}
