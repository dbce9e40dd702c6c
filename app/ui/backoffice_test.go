package ui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
)

func TestQueuePutsNewCasesFirst(t *testing.T) {
	got := queueOrder([]apiv1.CaseSummary{
		{Number: "1", Status: apiv1.StatusProcessing},
		{Number: "2", Status: apiv1.StatusSent},
		{Number: "3", Status: apiv1.StatusDecided},
		{Number: "4", Status: apiv1.StatusWaitingForInfo, New: true},
	})
	var order []string
	for _, c := range got {
		order = append(order, c.Number)
	}
	if strings.Join(order, ",") != "2,4,1,3" {
		t.Errorf("queue order %v, want new cases first, else the server's", order)
	}
}

func TestBackOfficeQueueIsATablePerService(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	p := &BackofficePage{route: mustRoute(t, "/fi/backoffice?status=SENT"), state: stateReady, status: apiv1.StatusSent,
		me: &apiv1.Me{Name: "Olli Virkailija", Services: []string{"dog-registration", "resident-parking-permit"}},
		cases: []apiv1.CaseSummary{
			{Number: "HEL-PYS-2026-000002", ServiceID: "resident-parking-permit", ServiceName: "Asukaspysäköintitunnus", Status: apiv1.StatusSent, SentAt: at},
			{Number: "HEL-KOI-2026-000001", ServiceID: "dog-registration", ServiceName: "Koirarekisteri-ilmoitus", Status: apiv1.StatusSent, SentAt: at, New: true, UnreadMessages: 1},
		},
		next: "c2",
	}
	page := app.HTMLString(p)
	for _, want := range []string{`id="queue-dog-registration"`, `id="queue-resident-parking-permit"`, `id="queue-link-HEL-KOI-2026-000001"`,
		`href="/fi/backoffice/HEL-KOI-2026-000001"`, `id="queue-service"`, `id="queue-status"`, `id="queue-search"`, `id="queue-filter"`,
		`id="queue-result"`, `id="queue-more"`, `id="queue-clear"`, "Olli Virkailija", "Lukemattomia viestejä: 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s in\n%s", want, page)
		}
	}
	// (go-app writes an element's attributes in no fixed order.)
	if !regexp.MustCompile(`<option[^>]*(value="SENT"[^>]*selected|selected[^>]*value="SENT")`).MatchString(page) {
		t.Errorf("the status filter does not show SENT chosen in\n%s", page)
	}
	// Services by name: Asukas… before Koira….
	if strings.Index(page, "queue-resident-parking-permit") > strings.Index(page, "queue-dog-registration") {
		t.Error("the services' queues are not in the order of their names")
	}
	// Only the official's services are offered.
	if strings.Contains(page, `value="early-childhood-education"`) {
		t.Error("a service the official does not handle is offered")
	}
	p.me.Services = []string{"*"}
	if page := app.HTMLString(p); !strings.Contains(page, `value="early-childhood-education"`) {
		t.Error("an official of every service is not offered every service")
	}
	if chosen(anyValue) != "" || chosen(" SENT ") != "SENT" {
		t.Error("chosen")
	}
}

func TestBackOfficeSaysWhoMayNot(t *testing.T) {
	page := app.HTMLString(&BackofficePage{route: mustRoute(t, "/en/backoffice"), state: stateDenied})
	if !strings.Contains(page, `id="backoffice-denied"`) || !strings.Contains(page, locales.T("en", "backoffice.denied", nil)) || strings.Contains(page, "queue-filter") {
		t.Errorf("denied page:\n%s", page)
	}
}

func TestBackOfficeCaseOffersTheActions(t *testing.T) {
	p := &BackofficeCasePage{caseView: caseView{backoffice: true, route: mustRoute(t, "/fi/backoffice/HEL-KOI-2026-000001"), state: stateReady, details: detailsFixture()}}
	page := app.HTMLString(p)
	for _, want := range []string{`id="case-applicant"`, "Tessa Testilä", `id="status-select"`, `id="status-note"`, `id="save-status"`,
		`id="info-text"`, `id="ask-info"`, `id="decision-text"`, `id="save-decision"`, `id="message-text"`, `id="send-message"`,
		`href="/api/v1/backoffice/cases/HEL-KOI-2026-000001/attachments/f1"`, `download="rokotustodistus.pdf"`, "Musti", `id="action-result"`} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s in\n%s", want, page)
		}
	}
	// The current status is not offered again; DECIDED comes with a decision.
	if strings.Contains(page, `<option value="WAITING_FOR_INFO"`) || strings.Contains(page, `<option value="DECIDED"`) {
		t.Error("the status form offers the current status or DECIDED")
	}
	// A decided case takes no more decisions or requests.
	d := detailsFixture()
	d.Status, d.Decision = apiv1.StatusDecided, "Koira on rekisteröity.\n\nTervetuloa!"
	p.details = d
	page = app.HTMLString(p)
	if strings.Contains(page, `id="save-decision"`) || strings.Contains(page, `id="ask-info"`) || !strings.Contains(page, `id="case-decision"`) || !strings.Contains(page, "<p>Tervetuloa!</p>") {
		t.Errorf("decided case:\n%s", page)
	}
	// Without messages, the official starts the thread.
	d.Messages = nil
	if page := app.HTMLString(p); !strings.Contains(page, locales.T("fi", "backoffice.startThread", nil)) {
		t.Error("no way to start a thread")
	}
}

// An official's own case is shown, but offers nothing the server would refuse.
func TestBackOfficeOwnCaseOffersNoActions(t *testing.T) {
	d := detailsFixture()
	d.Own = true
	p := &BackofficeCasePage{caseView: caseView{backoffice: true, route: mustRoute(t, "/fi/backoffice/HEL-KOI-2026-000001"), state: stateReady, details: d}}
	page := app.HTMLString(p)
	if !strings.Contains(page, `id="own-case"`) || !strings.Contains(page, locales.T("fi", "backoffice.ownCase", nil)) || !strings.Contains(page, "Musti") {
		t.Errorf("own case:\n%s", page)
	}
	for _, action := range []string{`id="status-select"`, `id="save-decision"`, `id="ask-info"`, `id="send-message"`} {
		if strings.Contains(page, action) {
			t.Errorf("the official's own case offers %s", action)
		}
	}
}

func TestRefusalsAreShownInTheServersWords(t *testing.T) {
	for body, want := range map[string]string{
		`{"error": {"code": "noThread", "message": "Viestiketjua ei ole."}}`:                         "Viestiketjua ei ole.",
		`{"message": "Virhe", "errors": [{"pointer": "/text", "message": "Enintään 5000 merkkiä"}]}`: "Enintään 5000 merkkiä",
		`<html>bad gateway</html>`: locales.T("fi", "case.serverError", nil),
	} {
		if got := problemText("fi", []byte(body), "case.serverError"); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
}
