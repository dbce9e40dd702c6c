package ui

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// What this device keeps, through web/static/lomake.js: drafts and the outbox in
// IndexedDB. The calls are asynchronous; then runs on the browser's event loop, so UI
// changes made from it go through ctx.Dispatch.

// device calls window.lomake[fn] and hands its answer to then ("" when the device
// store is missing or failed, the call refused included).
func device(fn string, then func(string), args ...any) {
	lo := app.Window().Get("lomake")
	if !lo.Truthy() {
		then("")
		return
	}
	settle(lo.Call(fn, args...), func(v app.Value, err error) {
		switch {
		case err != nil || v == nil:
			then("")
		case v.Type() == app.TypeString:
			then(v.String())
		case v.Truthy():
			then("true")
		default:
			then("")
		}
	})
}

// deviceWait is device for goroutines that may block.
func deviceWait(fn string, args ...any) string {
	ch := make(chan string, 1)
	device(fn, func(s string) { ch <- s }, args...)
	return <-ch
}

// localDraft is a form as this device keeps it.
type localDraft struct {
	Doc map[string]any `json:"doc"`
	// Base is the server's copy this device last agreed with, and Rev its revision:
	// the common ancestor of a three-way merge when another device changed the draft.
	Base   map[string]any `json:"base,omitempty"`
	Rev    int            `json:"rev,omitempty"`
	Schema int            `json:"schema"`
	Dirty  bool           `json:"dirty,omitempty"` // changed since the server last had it
	// Errors are a refused send's problems, shown when the form is opened again.
	Errors []schemas.Violation `json:"errors,omitempty"`
}

// deviceRecord is a draft as lomake.js stores it: the client's JSON, plus what was
// typed since (field pointer → text), noted before the client could see it.
type deviceRecord struct {
	Data  string            `json:"data"`
	Typed map[string]string `json:"typed"`
}

// readDraft reads this device's draft of a service; nil if there is none.
func readDraft(s *schemas.Service, then func(*localDraft)) {
	device("draftGet", func(text string) {
		var rec deviceRecord
		if text == "" || json.Unmarshal([]byte(text), &rec) != nil {
			then(nil)
			return
		}
		var d localDraft
		if rec.Data != "" && json.Unmarshal([]byte(rec.Data), &d) != nil {
			then(nil)
			return
		}
		if d.Doc == nil {
			d.Doc, _ = defaults(s.Form).(map[string]any)
			d.Schema = s.Version
		}
		if len(rec.Typed) > 0 {
			before := valueText(d.Doc)
			for _, name := range slices.Sorted(maps.Keys(rec.Typed)) {
				d.Doc = setAnswer(s, d.Doc, name, rec.Typed[name])
			}
			d.Dirty = d.Dirty || valueText(d.Doc) != before
		}
		then(&d)
	}, s.ID)
}

func writeDraft(serviceID string, d *localDraft) {
	if data, err := json.Marshal(d); err == nil {
		device("draftPut", func(string) {}, serviceID, string(data))
	}
}

func deleteDraft(serviceID string) { device("draftDelete", func(string) {}, serviceID) }

// rememberUser keeps who is signed in on this device, so that a form opened offline
// still knows its user; logout forgets it (lomake.js).
func rememberUser(s signedIn) {
	ls := app.Window().Get("localStorage")
	if !s.Authenticated {
		ls.Call("removeItem", "lomake.user")
		return
	}
	s.CSRF = ""
	if data, err := json.Marshal(s); err == nil {
		ls.Call("setItem", "lomake.user", string(data))
	}
}

func rememberedUser() (signedIn, bool) {
	var s signedIn
	v := app.Window().Get("localStorage").Call("getItem", "lomake.user")
	if v.Type() != app.TypeString || json.Unmarshal([]byte(v.String()), &s) != nil {
		return signedIn{}, false
	}
	return s, s.Authenticated
}
