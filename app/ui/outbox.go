package ui

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// queued is a send waiting on this device for the network. Its ID is the send's
// idempotency key, so however often it is sent, the server makes one case of it.
type queued struct {
	ID      string         `json:"id"`
	Service string         `json:"service"`
	Lang    string         `json:"lang"`
	Owner   string         `json:"owner"` // the user's id: only they may send it
	Doc     map[string]any `json:"doc"`
	Queued  time.Time      `json:"queued"`
	Case    string         `json:"case,omitempty"` // the case number, once sent
}

var (
	outboxItems         []queued
	outboxRunning       bool
	outboxKick          = make(chan struct{}, 1)
	outboxNeedsIdentity bool
)

// outboxWaiting counts this device's sends not yet made.
func outboxWaiting() int {
	n := 0
	for _, q := range outboxItems {
		if q.Case == "" {
			n++
		}
	}
	return n
}

func readOutbox() []queued {
	var recs []struct {
		Data string `json:"data"`
	}
	if json.Unmarshal([]byte(deviceWait("outboxAll")), &recs) != nil {
		return nil
	}
	var out []queued
	for _, r := range recs {
		var q queued
		if json.Unmarshal([]byte(r.Data), &q) != nil {
			continue
		}
		// Receipts are kept a week, so that a provisional receipt can turn into a
		// case number whenever it is looked at again.
		if q.Case != "" && time.Since(q.Queued) > 7*24*time.Hour {
			deviceWait("outboxDelete", q.ID)
			continue
		}
		out = append(out, q)
	}
	return out
}

func putQueued(q queued) bool {
	data, err := json.Marshal(q)
	return err == nil && deviceWait("outboxPut", q.ID, string(data)) == "true"
}

// outboxChanged tells the status bar and the open page.
func outboxChanged(items []queued) {
	outboxItems = items
	refreshStatus()
	if pageHook != nil && status != nil {
		status.ctx.Dispatch(func(app.Context) { pageHook("outbox") })
	}
}

// flushOutbox sends what waits: at once, then with a growing pause (up to 5 minutes)
// while the network or the server is away. The network coming back, a new sign-in or
// the next start of the app sends at once. A refused send goes back to its form as a
// draft with the server's errors; a send that needs the user to identify waits for it.
func flushOutbox() {
	if outboxRunning {
		select {
		case outboxKick <- struct{}{}:
		default:
		}
		return
	}
	outboxRunning = true
	go func() {
		defer func() { outboxRunning = false }()
		pause := 2 * time.Second
		for {
			items := readOutbox()
			outboxChanged(items)
			if outboxWaiting() == 0 {
				return
			}
			if !user.Loaded || user.offline || user.CSRF == "" {
				user = fetchUser()
			}
			if user.Loaded && !user.offline && !user.Authenticated {
				outboxNeedsIdentity = true
				refreshStatus()
				return
			}
			outboxNeedsIdentity = false
			failed := user.offline
			for i, q := range items {
				if failed || q.Case != "" || q.Owner != user.User {
					continue
				}
				// Files that waited on this device go first; the case refers to them.
				var res sendResult
				// Only a send with files kept on the device needs its form (to find them),
				// and so its schema, which the client may not have yet.
				if s := serviceWithKept(q); s != nil {
					var uploaded bool
					if res, uploaded = uploadKept(s, q.Lang, items[i].Doc); uploaded {
						putQueued(items[i])
					}
				}
				if !res.failed() {
					res = postSubmission(q.Service, q.Lang, q.ID, q.Doc)
				}
				switch {
				case res.caseNumber != "":
					items[i].Case = res.caseNumber
					putQueued(items[i])
					deleteDraft(q.Service)
				case len(res.violations) > 0:
					refused(q, res.violations)
				case res.needIdentity:
					outboxNeedsIdentity = true
					outboxChanged(items)
					return
				default:
					failed = true
				}
				outboxChanged(items)
			}
			if !failed {
				continue
			}
			select {
			case <-outboxKick:
			case <-time.After(pause):
			}
			pause = min(pause*2, 5*time.Minute)
		}
	}()
}

// refused puts a send the server would not take back into its form as a draft, with
// the server's reasons shown when the form is opened.
func refused(q queued, vs []schemas.Violation) {
	d := &localDraft{Doc: q.Doc, Dirty: true, Errors: vs}
	if s := registry().Entry(q.Service); s != nil {
		d.Schema = s.Version
	}
	if data, err := json.Marshal(d); err == nil {
		deviceWait("draftPut", q.Service, string(data))
	}
	deviceWait("outboxDelete", q.ID)
}

// serviceWithKept returns the service of a queued send that holds files kept on the
// device, fetching its schema if needed; nil for a send without such files.
func serviceWithKept(q queued) *schemas.Service {
	if !holdsKept(q.Doc) {
		return nil
	}
	return loadService(q.Service)
}

// holdsKept reports whether an answer anywhere in v is a file kept on the device.
func holdsKept(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.HasPrefix(v, keptPrefix)
	case map[string]any:
		for _, x := range v {
			if holdsKept(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsKept(x) {
				return true
			}
		}
	}
	return false
}
