package ui

// Files in forms. A file field holds the id of an upload once the server has the file,
// or keptPrefix and a key while the file waits on this device (chosen offline, or
// before identifying): web/static/lomake.js keeps it in IndexedDB, and it is uploaded
// before the form is sent (uploadKept), from the form or from the outbox.

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
)

// keptPrefix starts a file field's value while the file waits on this device.
const keptPrefix = "device:"

// uploadID reports whether a field's value has the form of an upload id (32 hex
// digits, as the server makes them), so that nothing else reaches an API path.
func uploadID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// fileInfo names the file a field holds, so that the field can show it.
type fileInfo struct {
	Name    string
	Size    int64
	Missing bool // neither the server nor this device has it any more
}

// fileInfos are the files form fields hold, by value (an upload id or a kept key),
// as the upload or the device described them; looking marks those asked about.
var fileInfos = struct {
	sync.Mutex
	by      map[string]fileInfo
	looking map[string]bool
}{by: map[string]fileInfo{}, looking: map[string]bool{}}

func noteFile(value string, info fileInfo) {
	fileInfos.Lock()
	defer fileInfos.Unlock()
	fileInfos.by[value] = info
}

func knownFile(value string) (fileInfo, bool) {
	fileInfos.Lock()
	defer fileInfos.Unlock()
	info, ok := fileInfos.by[value]
	return info, ok
}

// uploadAnswer is what lomake.js tells of an upload: the server's status and body, or
// status 0 and the key of a file it kept on the device.
type uploadAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Key    string `json:"key"`
}

// checkFile is what a file field can tell of a file before it goes anywhere: its type
// by name, its size and whether it is empty. The server checks them again, and the
// content too.
func checkFile(n *schemas.Node, ptr, name string, size int64) (schemas.Violation, bool) {
	params := map[string]any{"name": name}
	switch t := schemas.FileTypeOf(name); {
	case t == "" || !slices.Contains(n.Accept, t):
		params["types"] = n.Accept
		return schemas.Violation{Pointer: ptr, Code: "fileType", Params: params}, false
	case size > n.MaxSize:
		params["max"] = n.MaxSize
		return schemas.Violation{Pointer: ptr, Code: "fileSize", Params: params}, false
	case size == 0:
		return schemas.Violation{Pointer: ptr, Code: "fileEmpty", Params: params}, false
	}
	return schemas.Violation{}, true
}

// fileField renders a file field: its label, the types and size it takes, the file it
// holds with a button to remove it, the progress of an upload, and the file input.
// label overrides the node's title (list items).
func (p *FormPage) fileField(n *schemas.Node, ptr, label string, inList bool) app.UI {
	lang := p.route.lang
	id := fieldID(ptr)
	value := p.value(ptr)
	invalid := p.hasError(ptr)
	labelBody := p.labelText(n)
	if label != "" {
		labelBody = []app.UI{app.Text(label), requiredMark()}
	}
	describedBy := strings.TrimSpace(id + "-types " + p.describedBy(n, ptr))

	in := app.Input().Type("file").ID(id).Class("control control-file").
		Attr("accept", strings.Join(schemas.Extensions(n.Accept), ",")).
		Aria("invalid", boolString(invalid)).Aria("describedby", describedBy).
		OnChange(p.fileChosen(n, ptr), app.EventScope(ptr))
	if (n.Required || inList) && value == "" {
		in = in.Required(true)
	}
	if n.ReadOnly || p.uploading[ptr] {
		in = in.Disabled(true)
	}

	var held app.UI
	if value != "" {
		held = p.heldFile(ptr, value)
	}
	var progress app.UI
	if p.uploading[ptr] {
		progress = app.Progress().ID(id+"-progress").Class("file-progress").Aria("labelledby", id+"-status")
	}
	class := "field field-file"
	if invalid {
		class += " field-invalid"
	}
	return app.Div().Class(class).Body(
		app.Label().For(id).Class("label").Body(labelBody...),
		p.hints(n, ptr),
		app.P().ID(id+"-types").Class("hint").Text(tf(lang, "form.fileTypes", map[string]any{
			"Types": strings.ToUpper(strings.Join(n.Accept, ", ")),
			"Max":   schemas.Megabytes(lang, n.MaxSize),
		})),
		p.errorText(ptr),
		held,
		// Announced as it changes: uploading, attached, waiting, removed.
		app.P().ID(id+"-status").Class("file-status").Role("status").Text(p.fileNote[ptr]),
		progress,
		in,
	)
}

// heldFile shows the file a field holds: its name and size, whether it still waits on
// this device, and a button to remove it.
func (p *FormPage) heldFile(ptr, value string) app.UI {
	lang := p.route.lang
	id := fieldID(ptr)
	info, known := knownFile(value)
	if !known && app.IsClient {
		p.lookUpFile(value)
	}
	name := info.Name
	switch {
	case info.Missing:
		name = t(lang, "form.fileMissing")
	case name == "":
		name = t(lang, "form.fileAttached")
	}
	var size, waits app.UI
	if info.Size > 0 {
		size = app.Span().Class("file-size").Text(" (" + sizeText(lang, info.Size) + ")")
	}
	if strings.HasPrefix(value, keptPrefix) {
		waits = app.Span().Class("file-waits").Text(" " + t(lang, "form.fileWaits"))
	}
	return app.Div().ID(id+"-held").Class("file-held").Body(
		app.Span().Class("file-name").Text(name),
		size,
		waits,
		app.Button().Type("button").ID(id+"-remove").Class("button button-link file-remove").
			OnClick(func(ctx app.Context, e app.Event) { p.removeFile(ctx, ptr) }, app.EventScope(ptr+"="+value)).
			Body(app.Text(t(lang, "form.fileRemove")), app.Span().Class("visually-hidden").Text(": "+name)),
	)
}

// lookUpFile asks, once, the server (an upload) or this device (a kept file) what file
// a field holds: a draft from the server or from before a reload has only the value.
func (p *FormPage) lookUpFile(value string) {
	fileInfos.Lock()
	if fileInfos.looking[value] {
		fileInfos.Unlock()
		return
	}
	fileInfos.looking[value] = true
	fileInfos.Unlock()
	done := func(info fileInfo) {
		noteFile(value, info)
		p.ctx.Dispatch(func(app.Context) {})
	}
	if key, ok := strings.CutPrefix(value, keptPrefix); ok {
		device("fileKept", func(text string) {
			var info fileInfo
			if text == "" || json.Unmarshal([]byte(text), &info) != nil {
				info.Missing = true
			}
			done(info)
		}, key)
		return
	}
	if !uploadID(value) {
		done(fileInfo{Missing: true})
		return
	}
	p.ctx.Async(func() {
		res, err := call(http.MethodGet, apiv1.Prefix+"/uploads/"+value, "", nil)
		var a apiv1.Attachment
		switch {
		case err != nil || res.status >= 500:
			// Asked again on the next visit.
			fileInfos.Lock()
			delete(fileInfos.looking, value)
			fileInfos.Unlock()
		case res.status == http.StatusOK && json.Unmarshal(res.body, &a) == nil:
			done(fileInfo{Name: a.Name, Size: a.Size})
		default:
			done(fileInfo{Missing: true})
		}
	})
}

// fileChosen uploads the file the resident chose, or keeps it on the device when it
// cannot go now; the field then holds it, and a file it held before is let go.
func (p *FormPage) fileChosen(n *schemas.Node, ptr string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		input := ctx.JSSrc()
		list := input.Get("files")
		if !list.Truthy() || list.Length() == 0 {
			return
		}
		f := list.Index(0)
		name, size := f.Get("name").String(), int64(f.Get("size").Float())
		lang := p.route.lang
		delete(p.fileProblem, ptr)
		if v, ok := checkFile(n, ptr, name, size); !ok {
			p.shown[ptr] = v
			p.fileNote[ptr] = ""
			input.Set("value", "")
			return
		}
		delete(p.shown, ptr)
		p.uploading[ptr] = true
		p.fileNote[ptr] = tf(lang, "form.fileUploading", map[string]any{"Name": name})
		// Without a session (or a network) the server cannot take it yet: it waits
		// here, and goes with the send.
		keepOnly := !online || user.offline || !user.Authenticated || !user.Registered
		lo := app.Window().Get("lomake")
		if !lo.Truthy() {
			p.uploading[ptr] = false
			p.fileProblem[ptr] = t(lang, "form.networkError")
			return
		}
		serviceID := p.service.ID
		settle(lo.Call("upload", input, serviceID, ptr, user.CSRF, lang, fieldID(ptr)+"-progress", keepOnly), func(v app.Value, err error) {
			var ans uploadAnswer
			if err != nil || v == nil || v.Type() != app.TypeString || json.Unmarshal([]byte(v.String()), &ans) != nil {
				ans.Status = -1
			}
			p.ctx.Dispatch(func(ctx app.Context) {
				input.Set("value", "") // the same file can be chosen again
				if p.service == nil || p.service.ID != serviceID {
					return // the resident went on to another form meanwhile
				}
				p.uploaded(ctx, n, ptr, name, size, ans)
			})
		})
	}
}

// uploaded puts what became of an upload in the field.
func (p *FormPage) uploaded(ctx app.Context, n *schemas.Node, ptr, name string, size int64, ans uploadAnswer) {
	lang := p.route.lang
	p.uploading[ptr] = false
	p.fileNote[ptr] = ""
	var value string
	switch {
	case ans.Status == http.StatusCreated:
		var a apiv1.Attachment
		if json.Unmarshal([]byte(ans.Body), &a) != nil || a.ID == "" {
			p.fileProblem[ptr] = t(lang, "form.fileServerError")
			return
		}
		value = a.ID
		noteFile(value, fileInfo{Name: a.Name, Size: a.Size})
		p.fileNote[ptr] = tf(lang, "form.fileDone", map[string]any{"Name": a.Name})
	case ans.Status == 0 && ans.Key != "":
		value = keptPrefix + ans.Key
		noteFile(value, fileInfo{Name: name, Size: size})
		p.fileNote[ptr] = tf(lang, "form.fileKept", map[string]any{"Name": name})
	case ans.Status == 0:
		// Neither the network nor the device's storage took it.
		p.fileProblem[ptr] = t(lang, "form.fileNotKept")
		return
	default:
		if vs := fieldErrors([]byte(ans.Body)); len(vs) > 0 {
			p.shown[ptr] = schemas.Violation{Pointer: ptr, Code: vs[0].Code, Params: vs[0].Params}
		} else {
			p.fileProblem[ptr] = problemText(lang, []byte(ans.Body), "form.fileServerError")
		}
		return
	}
	if old := p.value(ptr); old != "" && old != value {
		letGo(old)
	}
	setAt(p.doc, schemas.Segments(ptr), value)
	p.check(ptr)
	p.saved(ctx)
	activity(ctx)
}

// removeFile empties a file field and lets its file go.
func (p *FormPage) removeFile(ctx app.Context, ptr string) {
	old := p.value(ptr)
	if old == "" {
		return
	}
	info, _ := knownFile(old)
	letGo(old)
	setAt(p.doc, schemas.Segments(ptr), nil)
	delete(p.fileProblem, ptr)
	name := info.Name
	if name == "" {
		name = t(p.route.lang, "form.fileAttached")
	}
	p.fileNote[ptr] = tf(p.route.lang, "form.fileRemoved", map[string]any{"Name": name})
	p.check(ptr)
	p.saved(ctx)
	p.focusAfterRender(fieldID(ptr))
}

// letGo removes a file no field holds any more: from the device, or from the server
// (an upload not sent with a case; the server would sweep it in a week anyway).
func letGo(value string) {
	if key, ok := strings.CutPrefix(value, keptPrefix); ok {
		device("fileDelete", func(string) {}, key)
		return
	}
	if uploadID(value) {
		go call(http.MethodDelete, apiv1.Prefix+"/uploads/"+value, "", nil)
	}
}

// fieldErrors reads the field errors of a 422.
func fieldErrors(body []byte) []schemas.Violation {
	var invalid apiv1.Invalid
	if json.Unmarshal(body, &invalid) != nil {
		return nil
	}
	vs := make([]schemas.Violation, len(invalid.Errors))
	for i, e := range invalid.Errors {
		vs[i] = schemas.Violation{Pointer: e.Pointer, Code: e.Code, Params: e.Params}
	}
	return vs
}

// uploadKept uploads the files of doc that wait on this device and puts their upload
// ids in their place, before doc is sent; changed tells whether it replaced any. A
// file the server refuses (or that is gone) is a field problem, as a send's would be.
// It runs off the UI goroutine.
func uploadKept(s *schemas.Service, lang string, doc map[string]any) (res sendResult, changed bool) {
	for _, f := range s.Form.Files(doc) {
		key, ok := strings.CutPrefix(f.ID, keptPrefix)
		if !ok {
			continue
		}
		var ans uploadAnswer
		if json.Unmarshal([]byte(deviceWait("uploadKept", key, s.ID, f.Pointer, user.CSRF, lang)), &ans) != nil {
			return sendResult{network: true, problem: "form.networkError"}, changed
		}
		switch ans.Status {
		case http.StatusCreated:
			var a apiv1.Attachment
			if json.Unmarshal([]byte(ans.Body), &a) != nil || a.ID == "" {
				return sendResult{problem: "form.serverError"}, changed
			}
			setAt(doc, schemas.Segments(f.Pointer), a.ID)
			noteFile(a.ID, fileInfo{Name: a.Name, Size: a.Size})
			deviceWait("fileDelete", key)
			changed = true
		case 0:
			setOnline(false)
			return sendResult{network: true, problem: "form.networkError"}, changed
		case http.StatusUnauthorized, http.StatusForbidden:
			return sendResult{needIdentity: true}, changed
		case http.StatusNotFound:
			return sendResult{violations: []schemas.Violation{{Pointer: f.Pointer, Code: "fileGone"}}}, changed
		case http.StatusUnprocessableEntity:
			if vs := fieldErrors([]byte(ans.Body)); len(vs) > 0 {
				return sendResult{violations: vs}, changed
			}
			return sendResult{problem: "api.tooManyUploads"}, changed
		default:
			return sendResult{problem: "form.serverError"}, changed
		}
	}
	return sendResult{}, changed
}
