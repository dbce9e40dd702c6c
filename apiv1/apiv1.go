// Package apiv1 declares the requests and answers of the portal's JSON API under
// /api/v1/, once, for both sides: the server's handlers encode them and the WebAssembly
// client decodes them. It holds types and names only, no behaviour, so the client links
// nothing of the server.
package apiv1

import (
	"encoding/json"
	"time"

	"github.com/lomake/lomake/schemas"
)

// Paths and headers that both sides name.
const (
	Prefix            = "/api/v1"
	SessionPath       = Prefix + "/session"
	CSRFHeader        = "X-CSRF-Token"
	IdempotencyHeader = "Idempotency-Key"
	ReplayedHeader    = "Idempotent-Replayed"
	RequestIDHeader   = "X-Request-Id"
	// MaxFieldErrors is how many field errors a refusal lists; Total counts them all.
	MaxFieldErrors = 100
)

// Problem is every refusal of the API: {"error": {"code", "message"}}, the message in
// the asker's language. Code is stable; the codes are listed in the README.
type Problem struct {
	Error ProblemDetail `json:"error"`
}

// ProblemDetail is what went wrong.
type ProblemDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"` // on server errors, to find the log line
}

// Invalid is a 422: the body was understood but breaks the rules. Errors are in form
// order, at most MaxFieldErrors of them; Total counts all.
type Invalid struct {
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors"`
	Total   int          `json:"total"`
}

// FieldError is one problem with one field. Params carry the numbers of the message
// (min, max) so that a client can word it in another language.
type FieldError struct {
	Pointer string         `json:"pointer"`
	Code    string         `json:"code"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
}

// Service is a catalog entry in one language.
type Service struct {
	ID             string   `json:"id"`
	Code           string   `json:"code"`
	Version        int      `json:"version"`
	Name           string   `json:"name"`
	Summary        string   `json:"summary"`
	Description    string   `json:"description"`
	Audience       string   `json:"audience"`
	ProcessingTime string   `json:"processingTime"`
	Department     string   `json:"department"`
	KeepInFolder   bool     `json:"keepInFolder"`
	Topics         []string `json:"topics"`
	TargetGroups   []string `json:"targetGroups"`
	Lang           string   `json:"lang"`
}

// CatalogPath is GET: every service's catalog entry in every language (Catalog). A
// browser client lists, searches and filters the services with it, offline too, and
// asks for a service's schema only when it shows its form.
const CatalogPath = Prefix + "/catalog"

// Preview is GET /preview/{id}, on a server that follows a schema folder (make run):
// what the last reading of the service's file found wrong ("file: place: what to
// do"), and how many readings there have been (a preview draws again when it grows).
type Preview struct {
	Generation int      `json:"generation"`
	Problems   []string `json:"problems"`
}

// Catalog is GET CatalogPath.
type Catalog struct {
	Services []schemas.Entry `json:"services"`
}

// Services is GET /services.
type Services struct {
	Services []Service `json:"services"`
}

// ServiceSchema is GET /services/{id}: the entry and its schema file.
type ServiceSchema struct {
	Service
	Schema json.RawMessage `json:"schema"`
}

// Sent is the answer to a submission: 201 for a new case, 200 with the
// Idempotent-Replayed header for a repeated send.
type Sent struct {
	CaseNumber string `json:"caseNumber"`
	Status     string `json:"status"`
}

// Case is GET /cases/{number}.
type Case struct {
	Number         string          `json:"caseNumber"`
	ServiceID      string          `json:"serviceId"`
	ServiceVersion int             `json:"serviceVersion"`
	Status         string          `json:"status"`
	Lang           string          `json:"lang"`
	Data           json.RawMessage `json:"data,omitempty"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
}

// Session is GET /session: who is signed in, the CSRF token for their requests, and how
// long the session has left (for the idle warning).
type Session struct {
	Authenticated    bool   `json:"authenticated"`
	User             string `json:"user,omitempty"` // random, not the identity code
	Name             string `json:"name,omitempty"`
	Registered       bool   `json:"registered"`
	CSRF             string `json:"csrf,omitempty"`
	RemainingSeconds int    `json:"remainingSeconds,omitempty"`
	// Prefill is what forms fill in about the user, by source (schemas.PrefillSources:
	// "identity.personalIdentityCode", "profile.email", …); only the user's own.
	Prefill map[string]string `json:"prefill,omitempty"`
}

// Profile is GET /profile. Name and identity code come from identification and are
// read-only; the identity code shows only its birth date part.
type Profile struct {
	Name         string `json:"name"`
	IdentityCode string `json:"identityCode"`
	Registered   bool   `json:"registered"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Language     string `json:"language"`
	Channel      string `json:"channel"`
}

// ProfileInput is PUT /profile: a registration (Consent) or an edit.
type ProfileInput struct {
	Consent  bool   `json:"consent"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	Language string `json:"language"`
	Channel  string `json:"channel"`
}

// Draft is one unsent form on the server, at a revision.
type Draft struct {
	ServiceID     string          `json:"serviceId"`
	Rev           int             `json:"rev"`
	SchemaVersion int             `json:"schemaVersion"`
	Data          json.RawMessage `json:"data,omitempty"`
	UpdatedAt     time.Time       `json:"updatedAt"`
}

// DraftInput is PUT /drafts/{serviceId}.
type DraftInput struct {
	SchemaVersion int             `json:"schemaVersion"`
	Data          json.RawMessage `json:"data"`
}

// DraftConflict is a 412: the draft changed since the revision the save was based on.
type DraftConflict struct {
	Error ProblemDetail `json:"error"`
	Draft Draft         `json:"draft"`
}

// DraftItem is one entry of GET /drafts, without the data.
type DraftItem struct {
	Draft
	Name string `json:"name"` // the service's name in the asker's language
}

// Drafts is GET /drafts.
type Drafts struct {
	Drafts []DraftItem `json:"drafts"`
}

// Announcement is one announcement in force, in the asker's language.
type Announcement struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Announcements is GET /announcements.
type Announcements struct {
	Announcements []Announcement `json:"announcements"`
}

// AnnouncementInput is POST /admin/announcements; start defaults to now, end to never.
type AnnouncementInput struct {
	Text  map[string]string `json:"text"`
	Start time.Time         `json:"start"`
	End   time.Time         `json:"end,omitzero"`
}

// Deleted answers a DELETE.
type Deleted struct {
	Deleted string `json:"deleted"`
}
