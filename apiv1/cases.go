package apiv1

import (
	"encoding/json"
	"time"
)

// Case statuses (labels in the locales: status.<STATUS>).
const (
	StatusDraft          = "DRAFT"
	StatusSent           = "SENT"
	StatusReceived       = "RECEIVED"
	StatusProcessing     = "PROCESSING"
	StatusWaitingForInfo = "WAITING_FOR_INFO"
	StatusDecided        = "DECIDED"
	StatusCancelled      = "CANCELLED"
)

// Actor kinds: who did something to a case.
const (
	ActorResident = "resident"
	ActorOfficial = "official"
	ActorAdmin    = "admin"
	ActorSystem   = "system"
)

// Event kinds.
const (
	EventSent      = "sent"
	EventStatus    = "status"
	EventDecision  = "decision"
	EventMessage   = "message"
	EventCancelled = "cancelled"
)

// Actor is who did something: their kind and, for officials, a name the resident sees.
type Actor struct {
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
}

// Event is one change of a case, in the order they happened.
type Event struct {
	At     time.Time `json:"at"`
	Actor  Actor     `json:"actor"`
	Kind   string    `json:"kind"`
	Status string    `json:"status,omitempty"` // the status after the event
	Note   string    `json:"note,omitempty"`
}

// Message is one message of a case's thread.
type Message struct {
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	From Actor     `json:"from"`
	Text string    `json:"text"`
	// Read: the other side has opened it.
	Read bool `json:"read"`
}

// Attachment is a file sent with a case.
type Attachment struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Pointer is the form field it was sent in.
	Pointer string `json:"pointer"`
}

// CaseSummary is one case in the folder or the back-office queue.
type CaseSummary struct {
	Number         string    `json:"caseNumber"`
	ServiceID      string    `json:"serviceId"`
	ServiceName    string    `json:"serviceName"`
	Status         string    `json:"status"`
	SentAt         time.Time `json:"sentAt"`
	LastEvent      *Event    `json:"lastEvent,omitempty"`
	New            bool      `json:"new"` // events the asker has not seen
	UnreadMessages int       `json:"unreadMessages"`
}

// Folder is GET /cases: the resident's cases and how many of them have news.
type Folder struct {
	Cases    []CaseSummary `json:"cases"`
	NewCases int           `json:"newCases"`
}

// CaseDetails is GET /cases/{number} and GET /backoffice/cases/{number}.
type CaseDetails struct {
	CaseSummary
	ServiceVersion int             `json:"serviceVersion"`
	Lang           string          `json:"lang"`
	UpdatedAt      time.Time       `json:"updatedAt"`
	KeptInFolder   bool            `json:"keptInFolder"`
	Data           json.RawMessage `json:"data,omitempty"` // omitted for services not kept in the folder
	Events         []Event         `json:"events"`
	Attachments    []Attachment    `json:"attachments"`
	Messages       []Message       `json:"messages"`
	Decision       string          `json:"decision,omitempty"`
	CanCancel      bool            `json:"canCancel"`
	CanReply       bool            `json:"canReply"`
	// Applicant names the sender, for officials only.
	Applicant string `json:"applicant,omitempty"`
	// Own: the case is the asking official's own, for the back office only. They may
	// read it, but another official handles it (403 disqualified).
	Own bool `json:"own,omitempty"`
}

// TextInput is a message, a reply or a decision.
type TextInput struct {
	Text string `json:"text"`
}

// StatusInput is POST /backoffice/cases/{number}/status.
type StatusInput struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// Queue is GET /backoffice/cases: newest first; Next is the cursor of the next page.
type Queue struct {
	Cases []CaseSummary `json:"cases"`
	Next  string        `json:"next,omitempty"`
}

// AuditEntry is one official action, for admins.
type AuditEntry struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"` // the official's name
	// ActorID tells officials of the same name apart: their user id (random, not
	// their identity code).
	ActorID string `json:"actorId"`
	Action  string `json:"action"`
	Case    string `json:"caseNumber,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Audit is GET /backoffice/audit.
type Audit struct {
	Entries []AuditEntry `json:"entries"`
	Next    string       `json:"next,omitempty"`
}

// Roles of officials.
const (
	RoleOfficial = "official"
	RoleAdmin    = "admin"
)

// Official is PUT /admin/officials/{identityCode}: roles and the services handled.
type Official struct {
	Roles    []string `json:"roles"`
	Services []string `json:"services"` // service ids; "*" for every service
}

// Me is GET /backoffice/me: what the signed-in official may do.
type Me struct {
	Name     string   `json:"name"`
	Roles    []string `json:"roles"`
	Services []string `json:"services"`
}
