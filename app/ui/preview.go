package ui

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/lomake/lomake/apiv1"
	"github.com/lomake/lomake/schemas"
)

// PreviewEnv is set ("1") when the server follows a schema folder (make run): the
// preview pages exist only then.
const PreviewEnv = "LOMAKE_PREVIEW"

// previewWidths are the screen widths a preview can be drawn at, in CSS pixels: a
// phone, a tablet, a desktop.
var previewWidths = []int{360, 768, 1280}

// previewEvery is how often an open preview asks whether the folder was read again.
const previewEvery = 500 * time.Millisecond

// PreviewPath is a service's preview.
func PreviewPath(lang, id string) string { return "/" + lang + "/preview/" + id }

// PreviewPage shows a form author their service as residents will see it, filled in
// with a sample (the fields' examples, else plausible values), in any language and at
// a phone's, a tablet's or a desktop's width, with what the rules say of the sample
// and what is wrong in the file. Saving the file draws it again within a second: the
// page asks the server whether the folder was read again, and fetches the new schema.
type PreviewPage struct {
	app.Compo
	route      route
	service    *schemas.Service
	problems   []string
	generation int
	width      int
	heard      bool // the problems are known (the server's, or the client's first answer)
	stop       chan struct{}
}

func (p *PreviewPage) OnPreRender(ctx app.Context) { p.load(ctx) }

func (p *PreviewPage) OnNav(ctx app.Context) {
	p.load(ctx)
	if app.IsClient {
		p.follow(ctx)
	}
}

func (p *PreviewPage) OnDismount() {
	if p.stop != nil {
		close(p.stop)
		p.stop = nil
	}
}

func (p *PreviewPage) load(ctx app.Context) {
	p.route = parseRoute(ctx.Page().URL())
	p.width, _ = strconv.Atoi(p.route.url.Query().Get("width"))
	if !slices.Contains(previewWidths, p.width) {
		p.width = 0
	}
	p.service = registry().Service(p.route.service)
	if !app.IsClient {
		p.problems, p.generation = registry().Problems(p.route.service)
		p.heard = true
	}
	title := t(p.route.lang, "preview.title")
	if p.service != nil {
		title += ": " + p.service.Name.In(p.route.lang)
	}
	setPage(ctx, p.route.lang, title)
}

// follow asks the server every previewEvery whether the folder was read again, and
// when it was, takes the service's schema and problems anew.
func (p *PreviewPage) follow(ctx app.Context) {
	if p.stop != nil {
		close(p.stop)
	}
	stop := make(chan struct{})
	p.stop = stop
	id := p.route.service
	ctx.Async(func() {
		seen := -1
		for {
			status, body, err := fetch(http.MethodGet, apiv1.Prefix+"/preview/"+id, "", nil)
			var pv apiv1.Preview
			if err == nil && status == http.StatusOK && json.Unmarshal(body, &pv) == nil && pv.Generation != seen {
				seen = pv.Generation
				s := freshService(id)
				ctx.Dispatch(func(app.Context) {
					if s != nil { // else the network failed: keep what shows
						p.service = s
					}
					p.problems, p.generation, p.heard = pv.Problems, pv.Generation, true
				})
			}
			select {
			case <-stop:
				return
			case <-time.After(previewEvery):
			}
		}
	})
}

// freshService fetches the service's schema past any copy and puts it in place of
// the one the client had.
func freshService(id string) *schemas.Service {
	status, body, err := fetch(http.MethodGet, servicePath(id), "", map[string]string{"Cache-Control": "no-cache"})
	return takeService(id, status, body, err)
}

func (p *PreviewPage) Render() app.UI {
	lang, s := p.route.lang, p.service
	if app.Getenv(PreviewEnv) != "1" || s == nil && len(p.problems) == 0 && p.heard {
		return notFound(lang, p.route.url)
	}
	if s == nil && !p.heard {
		return shell(lang, p.route.url, loadingLine(lang, "preview-loading"))
	}
	body := []app.UI{app.H1().ID("preview-title").Text(t(lang, "preview.title") + ": " + p.route.service)}
	if len(p.problems) > 0 {
		items := make([]app.UI, len(p.problems))
		for i, pr := range p.problems {
			items[i] = app.Li().Text(pr)
		}
		body = append(body, app.Section().ID("preview-problems").Class("panel panel-error").Role("alert").Body(
			app.H2().Text(t(lang, "preview.problems")),
			app.Ul().Body(items...),
			app.P().Text(t(lang, "preview.lastGood")),
		))
	} else {
		body = append(body, app.P().ID("preview-ok").Class("panel panel-success").Text(t(lang, "preview.ok")))
	}
	widths := []app.UI{app.Text(t(lang, "preview.width") + ": ")}
	for _, w := range append([]int{0}, previewWidths...) {
		label := t(lang, "preview.full")
		if w > 0 {
			label = strconv.Itoa(w) + " px"
		}
		href := PreviewPath(lang, p.route.service)
		if w > 0 {
			href += "?width=" + strconv.Itoa(w)
		}
		a := app.A().Href(href).Text(label)
		if w == p.width {
			a = a.Aria("current", "true")
		}
		widths = append(widths, a, app.Text(" "))
	}
	body = append(body, app.P().ID("preview-widths").Class("preview-widths").Body(widths...))
	if s == nil {
		return shell(lang, p.route.url, body...)
	}
	sample := s.Sample()
	vs := s.Validate(s.Clean(sample))
	var result app.UI
	if len(vs) == 0 {
		result = app.P().ID("preview-sample").Text(t(lang, "preview.samplePasses"))
	} else {
		items := make([]app.UI, len(vs))
		for i, v := range vs {
			items[i] = app.Li().Body(app.Code().Text(v.Pointer+" ("+v.Code+")"), app.Text(": "+s.Message(lang, v)))
		}
		result = app.Div().ID("preview-sample").Body(
			app.P().Text(t(lang, "preview.sampleFails")),
			app.Ul().Body(items...),
		)
	}
	data, _ := json.Marshal(sample)
	frame := app.Div().ID("preview-frame").Class("preview-frame")
	if p.width > 0 {
		frame = frame.Style("max-width", strconv.Itoa(p.width)+"px")
	}
	body = append(body,
		app.H2().Text(t(lang, "preview.sample")),
		result,
		app.P().Body(app.A().Class("button").Href(FormPath(lang, s.ID)+"?sample=1").Text(t(lang, "preview.openForm"))),
		frame.Body(
			app.H2().Text(s.Name.In(lang)),
			app.P().Class("lead").Text(s.Summary.In(lang)),
			answers(lang, s, data, nil),
		),
	)
	return shell(lang, p.route.url, body...)
}
