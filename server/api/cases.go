package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
	"github.com/lomake/lomake/server/cases"
	"github.com/lomake/lomake/server/router"
	"github.com/lomake/lomake/server/store"
)

// registerCases adds the folder: a resident's cases, their details, cancelling,
// replies and "seen", and the back office.
func (a *API) registerCases(rt *router.Router) {
	p := apiv1.Prefix
	for _, r := range []router.Route{
		{Method: "GET", Pattern: p + "/cases", Access: router.Resident, Handler: a.folder},
		{Method: "GET", Pattern: p + "/cases/{number}", Access: router.Resident, Handler: a.getCase},
		{Method: "POST", Pattern: p + "/cases/{number}/cancel", Access: router.Resident, Body: router.JSONBody, Handler: a.cancelCase},
		{Method: "POST", Pattern: p + "/cases/{number}/messages", Access: router.Resident, Body: router.JSONBody, Rate: a.messages, Handler: a.reply},
		{Method: "POST", Pattern: p + "/cases/{number}/seen", Access: router.Resident, Body: router.JSONBody, Handler: a.seen},
		{Method: "GET", Pattern: p + "/backoffice/me", Access: router.Resident, Handler: a.me},
		{Method: "GET", Pattern: p + "/backoffice/cases", Access: router.Resident, Handler: a.queue},
		{Method: "GET", Pattern: p + "/backoffice/cases/{number}", Access: router.Resident, Handler: a.officialCase},
		{Method: "POST", Pattern: p + "/backoffice/cases/{number}/status", Access: router.Resident, Body: router.JSONBody, Handler: a.setStatus},
		{Method: "POST", Pattern: p + "/backoffice/cases/{number}/decision", Access: router.Resident, Body: router.JSONBody, Handler: a.decide},
		{Method: "POST", Pattern: p + "/backoffice/cases/{number}/messages", Access: router.Resident, Body: router.JSONBody, Rate: a.messages, Handler: a.officialMessage},
		{Method: "GET", Pattern: p + "/backoffice/cases/{number}/attachments/{id}", Access: router.Resident, Handler: a.officialAttachment},
		{Method: "GET", Pattern: p + "/backoffice/audit", Access: router.Resident, Handler: a.audit},
		{Method: "PUT", Pattern: p + "/admin/officials/{identityCode}", Access: router.Admin, Body: router.JSONBody, Handler: a.putOfficial},
	} {
		rt.Handle(r)
	}
}

func (a *API) serviceName(id, lang string) string {
	if s := a.services.Service(id); s != nil {
		return s.Name.In(lang)
	}
	return id
}

func toEvent(e store.Event, official bool) apiv1.Event {
	out := apiv1.Event{At: e.At, Actor: apiv1.Actor{Kind: e.ActorKind}, Kind: e.Kind, Status: e.Status, Note: e.Note}
	if official {
		out.Actor.Name = e.ActorName
	}
	return out
}

// summary is a case as a list shows it; side is who is looking.
func (a *API) summary(k store.Case, lang, side string) apiv1.CaseSummary {
	s := apiv1.CaseSummary{
		Number: k.Number, ServiceID: k.ServiceID, ServiceName: a.serviceName(k.ServiceID, lang),
		Status: k.Status, SentAt: k.CreatedAt, UnreadMessages: cases.Unread(k, side),
	}
	if n := len(k.Events); n > 0 {
		e := toEvent(k.Events[n-1], side == cases.ActorOfficial)
		s.LastEvent = &e
	}
	if side == cases.ActorResident {
		s.New = cases.IsNew(k)
	}
	return s
}

// details is everything about a case for side. A resident never gets the content of a
// service not kept in the folder (health data stays out of the folder).
func (a *API) details(k store.Case, lang, side string) apiv1.CaseDetails {
	official := side == cases.ActorOfficial
	svc := a.services.Service(k.ServiceID)
	kept := svc == nil || svc.KeepInFolder
	d := apiv1.CaseDetails{
		CaseSummary: a.summary(k, lang, side), ServiceVersion: k.ServiceVersion, Lang: k.Lang,
		UpdatedAt: k.UpdatedAt, KeptInFolder: kept, Decision: k.Decision,
		Events: []apiv1.Event{}, Attachments: []apiv1.Attachment{}, Messages: []apiv1.Message{},
	}
	if kept || official {
		d.Data = k.Data
	}
	for _, e := range k.Events {
		d.Events = append(d.Events, toEvent(e, official))
	}
	for _, m := range k.Messages {
		msg := apiv1.Message{ID: m.ID, At: m.At, From: apiv1.Actor{Kind: m.ActorKind}, Text: m.Text, Read: !m.ReadAt.IsZero()}
		if official {
			msg.From.Name = m.ActorName
		}
		d.Messages = append(d.Messages, msg)
	}
	for _, id := range k.Attachments {
		d.Attachments = append(d.Attachments, a.attachment(id))
	}
	if official {
		if u, err := a.store.User(k.Owner); err == nil {
			d.Applicant = u.GivenName + " " + u.FamilyName
		}
	} else {
		d.CanCancel = cases.MayCancel(k)
		d.CanReply = cases.HasThread(k) && k.Status != cases.Cancelled
	}
	return d
}

// attachment describes an upload sent with a case.
func (a *API) attachment(id string) apiv1.Attachment {
	u, err := a.store.Upload(context.Background(), id)
	if err != nil {
		return apiv1.Attachment{ID: id}
	}
	return attachmentOf(u)
}

// folder is GET /cases: ?q= part of a case number, ?sort=name|date.
func (a *API) folder(w http.ResponseWriter, r *http.Request) {
	l := router.Lang(r)
	list, err := a.cases.Folder(r.Context(), router.User(r), r.URL.Query().Get("q"), r.URL.Query().Get("sort"),
		func(id string) string { return a.serviceName(id, l) })
	if err != nil {
		a.internal(w, r, "reading the folder", err)
		return
	}
	out := apiv1.Folder{Cases: make([]apiv1.CaseSummary, 0, len(list))}
	for _, k := range list {
		s := a.summary(k, l, cases.ActorResident)
		if s.New {
			out.NewCases++
		}
		out.Cases = append(out.Cases, s)
	}
	router.JSON(w, http.StatusOK, out)
}

func (a *API) getCase(w http.ResponseWriter, r *http.Request) {
	a.residentChange(w, r, func(u store.User, n string) (store.Case, error) { return a.cases.Open(r.Context(), u, n) })
}

func (a *API) cancelCase(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.residentChange(w, r, func(u store.User, n string) (store.Case, error) { return a.cases.Cancel(r.Context(), u, n) })
}

func (a *API) seen(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.residentChange(w, r, func(u store.User, n string) (store.Case, error) { return a.cases.Seen(r.Context(), u, n) })
}

func (a *API) reply(w http.ResponseWriter, r *http.Request) {
	var in apiv1.TextInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.residentChange(w, r, func(u store.User, n string) (store.Case, error) {
		return a.cases.Reply(r.Context(), u, n, in.Text)
	})
}

// residentChange runs one of the resident's calls on the case of the path and answers
// with its details.
func (a *API) residentChange(w http.ResponseWriter, r *http.Request, call func(store.User, string) (store.Case, error)) {
	k, err := call(router.User(r), r.PathValue("number"))
	if a.refused(w, r, err) {
		return
	}
	router.JSON(w, http.StatusOK, a.details(k, router.Lang(r), cases.ActorResident))
}

// refused answers a lifecycle error; false when there is none.
func (a *API) refused(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, cases.ErrNotFound):
		router.Problem(w, r, http.StatusNotFound, "unknownCase", nil)
	case errors.Is(err, cases.ErrNotOfficial):
		router.Problem(w, r, http.StatusForbidden, "notOfficial", nil)
	case errors.Is(err, cases.ErrNotAdmin):
		router.Problem(w, r, http.StatusForbidden, "notAdmin", nil)
	case errors.Is(err, cases.ErrDisqualified):
		// Nothing changed, so the audit has nothing; the log keeps the attempt.
		a.log.Info("official refused on their own case", "id", router.RequestID(r), "case", r.PathValue("number"))
		router.Problem(w, r, http.StatusForbidden, "disqualified", nil)
	case errors.Is(err, cases.ErrTransition):
		router.Problem(w, r, http.StatusConflict, "invalidTransition", nil)
	case errors.Is(err, cases.ErrNoThread):
		router.Problem(w, r, http.StatusConflict, "noThread", nil)
	case errors.Is(err, cases.ErrText):
		router.Invalid(w, r, []apiv1.FieldError{{Pointer: "/text", Code: "required",
			Message: router.Message(router.Lang(r), "text", map[string]any{"Max": cases.MaxText})}})
	default:
		a.internal(w, r, "case lifecycle", err)
	}
	return true
}

// official is the back-office caller, or a refusal.
func (a *API) official(w http.ResponseWriter, r *http.Request) (cases.Official, bool) {
	o, err := a.cases.OfficialOf(r.Context(), router.User(r))
	if a.refused(w, r, err) {
		return cases.Official{}, false
	}
	return o, true
}

func (a *API) serviceIDs() []string {
	var ids []string
	for _, s := range a.services.Services() {
		ids = append(ids, s.ID)
	}
	return ids
}

func (a *API) me(w http.ResponseWriter, r *http.Request) {
	o, ok := a.official(w, r)
	if !ok {
		return
	}
	var handled []string
	for _, id := range a.serviceIDs() {
		if o.Handles(id) {
			handled = append(handled, id)
		}
	}
	router.JSON(w, http.StatusOK, apiv1.Me{Name: o.User.GivenName + " " + o.User.FamilyName, Roles: o.Roles, Services: handled})
}

// queue is GET /backoffice/cases?service=&status=&q=&cursor=.
func (a *API) queue(w http.ResponseWriter, r *http.Request) {
	o, ok := a.official(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	list, next, err := a.cases.Queue(r.Context(), o, a.serviceIDs(), q.Get("service"), q.Get("status"), q.Get("q"), q.Get("cursor"))
	if err != nil {
		a.internal(w, r, "reading the queue", err)
		return
	}
	l := router.Lang(r)
	out := apiv1.Queue{Cases: make([]apiv1.CaseSummary, 0, len(list)), Next: next}
	for _, k := range list {
		out.Cases = append(out.Cases, a.summary(k, l, cases.ActorOfficial))
	}
	router.JSON(w, http.StatusOK, out)
}

func (a *API) officialCase(w http.ResponseWriter, r *http.Request) {
	a.officialChange(w, r, func(o cases.Official, n string) (store.Case, error) { return a.cases.OfficialOpen(r.Context(), o, n) })
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request) {
	var in apiv1.StatusInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.officialChange(w, r, func(o cases.Official, n string) (store.Case, error) {
		return a.cases.SetStatus(r.Context(), o, n, in.Status, in.Note)
	})
}

func (a *API) decide(w http.ResponseWriter, r *http.Request) {
	var in apiv1.TextInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.officialChange(w, r, func(o cases.Official, n string) (store.Case, error) {
		return a.cases.Decide(r.Context(), o, n, in.Text)
	})
}

func (a *API) officialMessage(w http.ResponseWriter, r *http.Request) {
	var in apiv1.TextInput
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	a.officialChange(w, r, func(o cases.Official, n string) (store.Case, error) {
		return a.cases.Message(r.Context(), o, n, in.Text)
	})
}

func (a *API) officialChange(w http.ResponseWriter, r *http.Request, call func(cases.Official, string) (store.Case, error)) {
	o, ok := a.official(w, r)
	if !ok {
		return
	}
	k, err := call(o, r.PathValue("number"))
	if a.refused(w, r, err) {
		return
	}
	d := a.details(k, router.Lang(r), cases.ActorOfficial)
	d.Own = o.Disqualified(k)
	router.JSON(w, http.StatusOK, d)
}

func (a *API) audit(w http.ResponseWriter, r *http.Request) {
	o, ok := a.official(w, r)
	if !ok {
		return
	}
	entries, next, err := a.cases.Audit(r.Context(), o, r.URL.Query().Get("cursor"))
	if a.refused(w, r, err) {
		return
	}
	out := apiv1.Audit{Entries: make([]apiv1.AuditEntry, 0, len(entries)), Next: next}
	for _, e := range entries {
		out.Entries = append(out.Entries, apiv1.AuditEntry{At: e.At, Actor: e.ActorName, ActorID: e.ActorID, Action: e.Action, Case: e.Case, Detail: e.Detail})
	}
	router.JSON(w, http.StatusOK, out)
}

// putOfficial sets an official's roles and services (admin token).
func (a *API) putOfficial(w http.ResponseWriter, r *http.Request) {
	var in apiv1.Official
	if !router.DecodeJSON(w, r, &in) {
		return
	}
	code := r.PathValue("identityCode")
	var errs []apiv1.FieldError
	l := router.Lang(r)
	if !schemas.ValidPersonalIdentityCode(code) {
		errs = append(errs, apiv1.FieldError{Pointer: "", Code: "format", Message: router.Message(l, "malformed", nil)})
	}
	for i, role := range in.Roles {
		if role != apiv1.RoleOfficial && role != apiv1.RoleAdmin {
			errs = append(errs, apiv1.FieldError{Pointer: schemas.Pointer("/roles", i), Code: "enum", Message: router.Message(l, "malformed", nil)})
		}
	}
	for i, id := range in.Services {
		if id != "*" && a.services.Service(id) == nil {
			errs = append(errs, apiv1.FieldError{Pointer: schemas.Pointer("/services", i), Code: "enum", Message: router.Message(l, "unknownService", nil)})
		}
	}
	if len(errs) > 0 {
		router.Invalid(w, r, errs)
		return
	}
	if err := a.store.PutOfficial(r.Context(), store.Official{IdentityCode: code, Roles: in.Roles, Services: in.Services}); err != nil {
		a.internal(w, r, "saving an official", err)
		return
	}
	a.log.Info("official set", "id", router.RequestID(r), "roles", in.Roles, "services", in.Services)
	router.JSON(w, http.StatusOK, in)
}

// officialAttachment streams one of a case's files to an official who handles it.
func (a *API) officialAttachment(w http.ResponseWriter, r *http.Request) {
	o, ok := a.official(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if a.refused(w, r, a.cases.OpenAttachment(r.Context(), o, r.PathValue("number"), id)) {
		return
	}
	u, err := a.store.Upload(r.Context(), id)
	if err != nil || a.up.files == nil {
		router.Problem(w, r, http.StatusNotFound, "notFound", nil)
		return
	}
	a.sendUpload(w, r, u)
}
