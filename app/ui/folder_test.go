package ui

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/locales"
	"github.com/lomake/lomake/schemas"
)

func mustRoute(t *testing.T, address string) route {
	t.Helper()
	u, err := url.Parse(address)
	if err != nil {
		t.Fatal(err)
	}
	return parseRoute(u)
}

func service(t *testing.T, id string) *schemas.Service {
	t.Helper()
	r, err := schemas.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s := r.Service(id)
	if s == nil {
		t.Fatalf("no service %s", id)
	}
	return s
}

// notKept is a copy of a service that is not kept in the folder (like health care).
func notKept(t *testing.T, id string) *schemas.Service {
	s := *service(t, id)
	s.KeepInFolder = false
	return &s
}

const dogData = `{
	"owner": {"firstName": "Tessa", "lastName": "<b>Testilä</b>", "email": "tessa@example.com"},
	"dog": {"name": "Musti", "sex": "female", "birthDate": "2024-03-15", "microchipNumber": "246098100123456"},
	"legacyField": "from an older form"
}`

// Sent answers read like the form: its pages, labels and options in the reader's
// language, in the form's order, and anything sent that the form no longer has.
func TestAnswersFollowTheFormInTheReadersLanguage(t *testing.T) {
	s := service(t, "dog-registration")
	for lang, want := range map[string][]string{
		"fi": {"Omistaja", "Omistajan tiedot", "Etunimi", "Tessa", "Koira ja lisätiedot", "Koiran nimi", "Musti", "Narttu", "15.3.2024", "Muut lähetetyt tiedot", "legacyField"},
		"sv": {"Ägare", "Ägarens uppgifter", "Förnamn", "Tessa", "Hund och tilläggsuppgifter", "Hundens namn", "Tik", "15.3.2024"},
		"en": {"Owner", "Owner's details", "First name", "Dog and additional information", "Dog's name", "Female", "15/3/2024", "Other details sent"},
	} {
		page := app.HTMLString(answers(lang, s, json.RawMessage(dogData), nil))
		last := -1
		for _, w := range want {
			i := strings.Index(page, escape(w))
			if i < 0 {
				t.Errorf("%s: no %q in\n%s", lang, w, page)
				continue
			}
			if i < last {
				t.Errorf("%s: %q is out of the form's order", lang, w)
			}
			last = i
		}
		if strings.Contains(page, "<b>") || !strings.Contains(page, "&lt;b&gt;Testilä&lt;/b&gt;") {
			t.Errorf("%s: an answer was rendered as HTML", lang)
		}
		if !strings.Contains(page, `id="case-answers"`) || !strings.Contains(page, `class="answers"`) {
			t.Errorf("%s: the answers have no grey container", lang)
		}
	}
}

func escape(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }

// A list of groups shows each item under its own title; a file field names its files.
func TestAnswersNameListItemsAndFiles(t *testing.T) {
	s := service(t, "early-childhood-education")
	data := `{"guardians": [{"firstName": "Anna"}, {"firstName": "Bert"}], "preferredUnits": ["Kallio", "Vallila"], "care": {"urgent": true}}`
	atts := []apiv1.Attachment{{ID: "a1", Name: "todistus.pdf", Pointer: "/additional/info"}}
	page := app.HTMLString(answers("fi", s, json.RawMessage(data), atts))
	for _, want := range []string{"Huoltaja 1", "Anna", "Huoltaja 2", "Bert", "Kallio", "Vallila", "Kyllä", "todistus.pdf"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q in\n%s", want, page)
		}
	}
}

func detailsFixture() *apiv1.CaseDetails {
	at := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	return &apiv1.CaseDetails{
		CaseSummary: apiv1.CaseSummary{Number: "HEL-KOI-2026-000001", ServiceID: "dog-registration", ServiceName: "Koirarekisteri-ilmoitus",
			Status: apiv1.StatusWaitingForInfo, SentAt: at},
		KeptInFolder: true,
		Data:         json.RawMessage(dogData),
		Events: []apiv1.Event{
			{At: at, Actor: apiv1.Actor{Kind: apiv1.ActorResident}, Kind: apiv1.EventSent, Status: apiv1.StatusSent},
			{At: at.Add(time.Hour), Actor: apiv1.Actor{Kind: apiv1.ActorOfficial, Name: "Olli Virkailija"}, Kind: apiv1.EventStatus, Status: apiv1.StatusWaitingForInfo, Note: "Kuva puuttuu"},
		},
		Attachments: []apiv1.Attachment{{ID: "f1", Name: "rokotustodistus.pdf", Size: 120 << 10}},
		Messages: []apiv1.Message{
			{ID: "m1", At: at.Add(time.Hour), From: apiv1.Actor{Kind: apiv1.ActorOfficial, Name: "Olli Virkailija"}, Text: "Lähetä <i>kuva</i>."},
		},
		CanReply:  true,
		CanCancel: true,
		Applicant: "Tessa Testilä",
	}
}

func TestCasePageShowsTheCaseToItsResident(t *testing.T) {
	p := &CasePage{caseView: caseView{route: mustRoute(t, "/fi/folder/HEL-KOI-2026-000001"), state: stateReady, details: detailsFixture()}}
	page := app.HTMLString(p)
	for _, want := range []string{`id="case-title"`, `id="case-status"`, "Odottaa lisätietoja", `id="case-history"`, "Kuva puuttuu", "Olli Virkailija",
		`id="messages"`, "Lähetä &lt;i&gt;kuva&lt;/i&gt;.", `id="reply-text"`, `id="send-reply"`, `id="case-attachments"`, "rokotustodistus.pdf",
		"120 kt", `id="case-answers"`, "Musti", `id="cancel-case"`, `id="action-result"`, `role="status"`} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s in the case page", want)
		}
	}
	if strings.Contains(page, "/attachments/") || strings.Contains(page, "download=") {
		t.Error("the resident gets a link to an attachment")
	}
	if strings.Contains(page, "Tessa Testilä") {
		t.Error("the resident's page names the applicant as officials see it")
	}
	if strings.Contains(page, "<i>") {
		t.Error("a message was rendered as HTML")
	}

	// Without a thread the resident cannot reply; a service not kept shows no content.
	d := detailsFixture()
	d.CanReply, d.KeptInFolder, d.Data, d.Messages = false, false, nil, nil
	p.details = d
	page = app.HTMLString(p)
	if strings.Contains(page, `id="reply-text"`) || !strings.Contains(page, `id="reply-none"`) {
		t.Error("a reply form without a thread")
	}
	if strings.Contains(page, "Musti") || !strings.Contains(page, locales.T("fi", "case.notKept", nil)) {
		t.Error("the content of a case not kept in the folder is shown")
	}
}

func TestSignedOutPagesShowNoCase(t *testing.T) {
	for _, c := range []app.Composer{
		&FolderPage{route: mustRoute(t, "/sv/folder")},
		&CasePage{caseView: caseView{route: mustRoute(t, "/sv/folder/HEL-KOI-2026-000001"), details: detailsFixture()}},
		&BackofficePage{route: mustRoute(t, "/sv/backoffice")},
		&BackofficeCasePage{caseView: caseView{backoffice: true, route: mustRoute(t, "/sv/backoffice/HEL-KOI-2026-000001"), details: detailsFixture()}},
	} {
		page := app.HTMLString(c)
		if !strings.Contains(page, "signin") || !strings.Contains(page, "/sv/login?return=") {
			t.Errorf("%T: no way to sign in", c)
		}
		for _, bad := range []string{"Musti", "case-status", "Olli", "folder-table", "queue-"} {
			if strings.Contains(page, bad) {
				t.Errorf("%T signed out shows %s", c, bad)
			}
		}
	}
}

func TestFolderListsCasesWithNews(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)
	p := &FolderPage{route: mustRoute(t, "/en/folder?q=HEL-KOI-2026-000001&sort=name"), state: stateReady, query: "HEL-KOI-2026-000001", order: sortName,
		folder: apiv1.Folder{NewCases: 1, Cases: []apiv1.CaseSummary{
			{Number: "HEL-KOI-2026-000001", ServiceName: "Dog registration", Status: apiv1.StatusProcessing, SentAt: at, New: true, UnreadMessages: 2,
				LastEvent: &apiv1.Event{At: at, Kind: apiv1.EventStatus, Status: apiv1.StatusProcessing}},
		}},
		drafts: []draftItem{{Draft: apiv1.Draft{ServiceID: "resident-parking-permit", UpdatedAt: at}, Name: "Resident parking permit"}},
	}
	page := app.HTMLString(p)
	for _, want := range []string{`id="folder-table"`, `id="case-link-HEL-KOI-2026-000001"`, `href="/en/folder/HEL-KOI-2026-000001"`, "badge-new", ">New<",
		"In processing", "Status changed: In processing", "Unread messages: 2", `id="folder-result"`, "Cases matching HEL-KOI-2026-000001: 1",
		`id="folder-clear"`, `aria-sort="ascending"`, `id="folder-search"`, `id="folder-sort"`, `id="folder-drafts"`, "Resident parking permit"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %s in\n%s", want, page)
		}
	}
	// The drafts come after the cases.
	if strings.Index(page, "folder-drafts") < strings.Index(page, "folder-table") {
		t.Error("the drafts are not at the bottom")
	}
}

func TestHomeShowsTheNewestEvents(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ev := func(h int) *apiv1.Event {
		return &apiv1.Event{At: at.Add(time.Duration(h) * time.Hour), Kind: apiv1.EventMessage}
	}
	got := latestEvents([]apiv1.CaseSummary{
		{Number: "A", LastEvent: ev(1)}, {Number: "B"}, {Number: "C", LastEvent: ev(3)}, {Number: "D", LastEvent: ev(2)},
	}, 2)
	if len(got) != 2 || got[0].Number != "C" || got[1].Number != "D" {
		t.Errorf("latest events: %+v", got)
	}
	page := app.HTMLString(&HomePage{route: mustRoute(t, "/fi/home"), latest: got, latestLoaded: true})
	if !strings.Contains(page, `id="latest-C"`) || !strings.Contains(page, `href="/fi/folder/C"`) || strings.Contains(page, locales.T("fi", "home.noEvents", nil)) {
		t.Errorf("home page's latest events:\n%s", page)
	}
}

// A service not kept in the folder keeps its drafts on the device: never saved on the
// server, never listed.
func TestDraftsOfServicesNotKeptStayOnTheDevice(t *testing.T) {
	if serverKeepsDrafts(notKept(t, "dog-registration")) || !serverKeepsDrafts(service(t, "dog-registration")) || serverKeepsDrafts(nil) {
		t.Error("serverKeepsDrafts")
	}
	health := notKept(t, "early-childhood-education")
	lookup := func(id string) *schemas.Entry {
		if id == health.ID {
			return &health.Entry
		}
		return registry().Entry(id)
	}
	got := listedDrafts([]draftItem{{Draft: apiv1.Draft{ServiceID: "dog-registration"}}, {Draft: apiv1.Draft{ServiceID: health.ID}}}, lookup)
	if len(got) != 1 || got[0].ServiceID != "dog-registration" {
		t.Errorf("listed drafts: %+v", got)
	}
	// The form does not even try to sync.
	p := &FormPage{service: health, doc: map[string]any{}, dirty: true}
	user = signedIn{Session: apiv1.Session{Authenticated: true, Registered: true}, Loaded: true}
	defer func() { user = signedIn{} }()
	p.sync(app.Context{})
	if p.syncing {
		t.Error("a draft of a service not kept in the folder was sent to the server")
	}
}

// The confirmation of a service not kept in the folder is a receipt: it does not send
// the resident to follow the case in the folder.
func TestSentPageOfAServiceNotKeptIsAReceipt(t *testing.T) {
	for _, lang := range locales.Languages {
		follow := strings.Split(locales.T(lang, "confirm.text", map[string]any{"Case": "\x00"}), "\x00")[0]
		kept := app.HTMLString(&SentPage{route: mustRoute(t, "/"+lang+"/services/dog-registration/sent"), service: &service(t, "dog-registration").Entry, number: "HEL-KOI-2026-000001"})
		if !strings.Contains(kept, escape(follow)) {
			t.Errorf("%s: the confirmation does not say %q", lang, follow)
		}
		page := app.HTMLString(&SentPage{route: mustRoute(t, "/"+lang+"/services/dog-registration/sent"), service: &notKept(t, "dog-registration").Entry, number: "HEL-KOI-2026-000001"})
		receipt := strings.Split(locales.T(lang, "confirm.receipt", map[string]any{"Case": "\x00"}), "\x00")[0]
		if strings.Contains(page, escape(follow)) || !strings.Contains(page, escape(receipt)) || !strings.Contains(page, "HEL-KOI-2026-000001") {
			t.Errorf("%s: receipt page:\n%s", lang, page)
		}
	}
}

func TestEveryStatusAndEventInWords(t *testing.T) {
	for _, lang := range locales.Languages {
		for _, s := range append(queueStatuses, apiv1.StatusDraft, "QUEUED") {
			if got := statusLabel(lang, s); got == s || got == "" {
				t.Errorf("%s: status %s has no label", lang, s)
			}
		}
		for _, k := range []string{apiv1.EventSent, apiv1.EventStatus, apiv1.EventDecision, apiv1.EventMessage, apiv1.EventCancelled} {
			if got := eventText(lang, apiv1.Event{Kind: k, Status: apiv1.StatusDecided}); got == k || strings.Contains(got, "event.") {
				t.Errorf("%s: event %s reads %q", lang, k, got)
			}
		}
	}
	if got := statusLabel("fi", "SOMETHING_NEW"); got != "SOMETHING_NEW" {
		t.Errorf("an unknown status reads %q", got)
	}
	if got := sizeText("fi", 3<<20/2); got != "1,5 Mt" {
		t.Errorf("size %q", got)
	}
}

func TestMenuShowsTheFolderNewsAndTheBackOfficeToOfficials(t *testing.T) {
	user = signedIn{Session: apiv1.Session{Authenticated: true, Registered: true, User: "u1"}, Loaded: true}
	defer func() { user, folderNews.user, official.user, official.me = signedIn{}, "", "", nil }()
	folderNews.user, folderNews.count = "u1", 3
	page := app.HTMLString(&mainMenu{Lang: "fi", Path: "/fi/folder"})
	if !strings.Contains(page, `id="menu-folder"`) || !strings.Contains(page, "asioita, joissa on uutta: 3") || !strings.Contains(page, `aria-current="page"`) {
		t.Errorf("menu:\n%s", page)
	}
	if strings.Contains(page, "menu-backoffice") {
		t.Error("the back office is offered to someone not known to be an official")
	}
	official.user, official.me = "u1", &apiv1.Me{Name: "Olli"}
	if page := app.HTMLString(&mainMenu{Lang: "fi"}); !strings.Contains(page, `href="/fi/backoffice"`) {
		t.Error("no back office for an official")
	}
	user.User = "u2" // another user on the same device
	if page := app.HTMLString(&mainMenu{Lang: "fi"}); strings.Contains(page, "backoffice") || strings.Contains(page, "uutta") {
		t.Error("the menu shows what it knew of the previous user")
	}
}

func TestFolderOrdersAndSearches(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []apiv1.CaseSummary{
		{Number: "HEL-KOI-2026-000001", ServiceName: "Koirarekisteri-ilmoitus", SentAt: at},
		{Number: "HEL-PYS-2026-000002", ServiceName: "asukaspysäköintitunnus", SentAt: at.Add(time.Hour)},
		{Number: "HEL-KOI-2026-000003", ServiceName: "Koirarekisteri-ilmoitus", SentAt: at.Add(2 * time.Hour)},
	}
	numbers := func(cs []apiv1.CaseSummary) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Number[len(c.Number)-1:])
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct{ q, order, want string }{
		{"", sortDate, "3,2,1"},
		{"", sortName, "2,3,1"},
		{"koi", sortDate, "3,1"},
		{"HEL-KOI-2026-000001", sortName, "1"},
		{"nothing", sortDate, ""},
	} {
		if got := numbers(arrange(cases, c.q, c.order)); got != c.want {
			t.Errorf("arrange(%q, %s) = %s, want %s", c.q, c.order, got, c.want)
		}
	}
}
