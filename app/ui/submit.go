package ui

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"

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

// postSubmission sends a form to the API. It runs off the UI goroutine. key names this
// send: a retry after a lost answer gets the same case, not a second one.
func postSubmission(serviceID, lang, key string, doc map[string]any) sendResult {
	res, err := call(http.MethodPost, "/api/v1/services/"+serviceID+"/submissions", lang, doc, "Idempotency-Key", key)
	if err != nil {
		return sendResult{network: true, problem: "form.networkError"}
	}
	var answer struct {
		CaseNumber string              `json:"caseNumber"`
		Errors     []schemas.Violation `json:"errors"`
	}
	_ = json.Unmarshal(res.body, &answer)
	switch {
	case (res.status == http.StatusCreated || res.status == http.StatusOK) && answer.CaseNumber != "":
		return sendResult{caseNumber: answer.CaseNumber}
	case res.status == http.StatusUnprocessableEntity && len(answer.Errors) > 0:
		return sendResult{violations: answer.Errors}
	case res.status == http.StatusUnauthorized || res.status == http.StatusForbidden:
		return sendResult{needIdentity: true}
	default:
		return sendResult{problem: "form.serverError"}
	}
}

// newSendKey names one send of a form.
func newSendKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
