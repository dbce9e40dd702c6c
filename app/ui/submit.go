package ui

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
)

// sendResult is what became of a send: a case number, the server's field problems, a
// need to identify first, or a message id for anything else.
type sendResult struct {
	caseNumber   string
	violations   []schemas.Violation
	needIdentity bool
	network      bool // no answer: the device is offline or the server away
	problem      string
}

// failed reports whether the send did not happen.
func (r sendResult) failed() bool {
	return r.caseNumber == "" && (r.network || r.needIdentity || len(r.violations) > 0 || r.problem != "")
}

// postSubmission sends a form to the API. It runs off the UI goroutine. key names this
// send: a retry after a lost answer gets the same case, not a second one.
func postSubmission(serviceID, lang, key string, doc map[string]any) sendResult {
	res, err := call(http.MethodPost, "/api/v1/services/"+serviceID+"/submissions", lang, doc, apiv1.IdempotencyHeader, key)
	if err != nil {
		return sendResult{network: true, problem: "form.networkError"}
	}
	var sent apiv1.Sent
	_ = json.Unmarshal(res.body, &sent)
	switch {
	case (res.status == http.StatusCreated || res.status == http.StatusOK) && sent.CaseNumber != "":
		noteCase(sent.CaseNumber, serviceID)
		return sendResult{caseNumber: sent.CaseNumber}
	case res.status == http.StatusUnprocessableEntity && len(fieldErrors(res.body)) > 0:
		return sendResult{violations: fieldErrors(res.body)}
	case res.status == http.StatusUnauthorized || res.status == http.StatusForbidden:
		return sendResult{needIdentity: true}
	default:
		return sendResult{problem: "form.serverError"}
	}
}

// NewSendKey names one send of a form: its idempotency key.
func NewSendKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// received are the case numbers this client has had from the server in this app
// session, with their services: the confirmation page shows only these, the outbox's
// and those the server says are the user's.
var received = struct {
	sync.Mutex
	cases map[string]string
}{cases: map[string]string{}}

// noteCase remembers that the server gave this client a case of a service.
func noteCase(number, serviceID string) {
	received.Lock()
	defer received.Unlock()
	received.cases[number] = serviceID
}

// receivedCase is the service of a case this client has received, else "".
func receivedCase(number string) string {
	received.Lock()
	defer received.Unlock()
	return received.cases[number]
}

var caseTail = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{4}-[0-9]{1,12}$`) })

// caseNumberOf reports whether s has the form of a case number of the service with
// this code (HEL-KOI-2026-000123), so that nothing else reaches the API's path.
func caseNumberOf(s, code string) bool {
	tail, ok := strings.CutPrefix(s, "HEL-"+code+"-")
	return ok && code != "" && caseTail().MatchString(tail)
}

// ownCase asks the server whether a case of the service is the signed-in user's: the
// API answers it only to its sender. It runs off the UI goroutine.
func ownCase(number, serviceID string) bool {
	res, err := call(http.MethodGet, "/api/v1/cases/"+number, "", nil)
	if err != nil || res.status != http.StatusOK {
		return false
	}
	var c struct {
		CaseNumber string `json:"caseNumber"`
		ServiceID  string `json:"serviceId"`
	}
	return json.Unmarshal(res.body, &c) == nil && c.CaseNumber == number && c.ServiceID == serviceID
}
