package ui

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/schemas"
)

// sendResult is what became of a send: a case number, the server's field problems, or
// a message id for anything else.
type sendResult struct {
	caseNumber string
	violations []schemas.Violation
	problem    string
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// postSubmission sends a form to the API. It runs off the UI goroutine.
func postSubmission(serviceID, lang string, doc map[string]any) sendResult {
	body, err := json.Marshal(doc)
	if err != nil {
		return sendResult{problem: "form.serverError"}
	}
	u := app.Window().URL()
	endpoint := (&url.URL{Scheme: u.Scheme, Host: u.Host,
		Path:     "/api/v1/services/" + serviceID + "/submissions",
		RawQuery: "lang=" + lang}).String()
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return sendResult{problem: "form.serverError"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	res, err := httpClient.Do(req)
	if err != nil {
		return sendResult{problem: "form.networkError"}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return sendResult{problem: "form.networkError"}
	}
	var answer struct {
		CaseNumber string              `json:"caseNumber"`
		Errors     []schemas.Violation `json:"errors"`
	}
	_ = json.Unmarshal(data, &answer)
	switch {
	case res.StatusCode == http.StatusCreated && answer.CaseNumber != "":
		return sendResult{caseNumber: answer.CaseNumber}
	case res.StatusCode == http.StatusUnprocessableEntity && len(answer.Errors) > 0:
		return sendResult{violations: answer.Errors}
	default:
		return sendResult{problem: "form.serverError"}
	}
}
