package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The client's view of the network and of its own version, shown in the top bar.
var (
	// online is what the client believes of the network: the browser's online and
	// offline events, corrected by the fate of every request it makes.
	online = true
	// updateReady is set when a new version has been installed in the background.
	updateReady bool

	// status is the mounted status bar, which is told when any of this changes.
	status *NetStatus
	// pageHook is the open page's interest in the device: "online" when the network
	// is back, "outbox" when a queued send has moved on.
	pageHook func(event string)

	watching bool
)

func setOnline(v bool) {
	if online == v {
		return
	}
	online = v
	refreshStatus()
	if v {
		reconnected()
	}
}

// reconnected catches up with the server: queued sends go, the open form syncs its
// draft, and a new version is looked for.
func reconnected() {
	flushOutbox()
	if pageHook != nil {
		pageHook("online")
	}
	app.TryUpdate()
}

func refreshStatus() {
	if status != nil {
		status.ctx.Dispatch(func(app.Context) {})
	}
}

// watchDevice starts, once per page load, what runs whatever page is open: the
// browser's network events, the outbox, and a periodic look for a new version.
// WhenRunning sets what the client does once it runs the page (the wasm command's
// start ends there).
func WhenRunning(f func()) { whenRunning = f }

var whenRunning func()

func watchDevice() {
	if watching || !app.IsClient {
		return
	}
	watching = true
	online = app.Window().Get("navigator").Get("onLine").Bool()
	for _, ev := range []string{"online", "offline"} {
		up := ev == "online"
		app.Window().Call("addEventListener", ev, app.FuncOf(func(app.Value, []app.Value) any {
			setOnline(up)
			return nil
		}))
	}
	device("persist", func(string) {})
	flushOutbox()
	// The page is the client's now, and the network and the outbox are watched (tests
	// and make bench wait for this mark; go-app's loader goes as soon as the client
	// first yields, before the page is mounted).
	app.Window().Get("document").Get("documentElement").Get("dataset").Set("client", "running")
	// Now that the client has arrived, the service worker may take the catalog and the
	// schemas for offline use (not before: they would share the line with the client).
	if lo := app.Window().Get("lomake"); lo.Truthy() && lo.Get("precacheContent").Truthy() {
		lo.Call("precacheContent")
	}
	if whenRunning != nil {
		whenRunning()
	}
	go func() {
		for range time.Tick(30 * time.Minute) {
			app.TryUpdate()
		}
	}()
}

// NetStatus says in the top bar when the device is offline, what waits to be sent,
// and when a new version is ready. It is a live region, so changes are announced.
type NetStatus struct {
	app.Compo
	Lang string
	ctx  app.Context
}

func (c *NetStatus) OnMount(ctx app.Context) {
	c.ctx, status = ctx, c
	updateReady = updateReady || ctx.AppUpdateAvailable() && updatable()
	watchDevice()
}

func (c *NetStatus) OnDismount() {
	if status == c {
		status = nil
	}
}

// OnAppUpdate: go-app reports the first install as an update too (the worker claims
// the page as it activates); only a page that an installed version served can update.
func (c *NetStatus) OnAppUpdate(ctx app.Context) { updateReady = updatable() }

func updatable() bool { return app.Window().Get("lomake").Get("updatable").Bool() }

func (c *NetStatus) Render() app.UI {
	lang := c.Lang
	var items []app.UI
	if !online {
		items = append(items, app.P().ID("offline").Class("status-offline").Text(t(lang, "status.offline")))
	}
	if n := outboxWaiting(); n > 0 {
		text := tf(lang, "status.waiting", map[string]any{"Count": n})
		if outboxNeedsIdentity {
			items = append(items, app.P().Body(app.Text(text+" "),
				app.A().Href(LoginPath(lang, app.Window().URL().RequestURI())).Text(t(lang, "status.identify"))))
		} else {
			items = append(items, app.P().Text(text))
		}
	}
	if updateReady {
		items = append(items, app.P().Body(
			app.Text(t(lang, "status.update")+" "),
			app.Button().Type("button").Class("button button-secondary").
				OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }).Text(t(lang, "status.reload")),
		))
	}
	class := "net-status"
	if len(items) > 0 {
		class += " net-status-on"
	}
	return app.Div().ID("net-status").Class(class).Role("status").Body(items...)
}

// InstallApp offers to install the portal as an app where the browser allows it; on
// Apple's browsers, which have no prompt, it says how.
type InstallApp struct {
	app.Compo
	Lang       string
	can, apple bool
}

func (c *InstallApp) OnMount(ctx app.Context)            { c.check(ctx) }
func (c *InstallApp) OnAppInstallChange(ctx app.Context) { c.check(ctx) }

func (c *InstallApp) check(ctx app.Context) {
	c.can, c.apple = ctx.IsAppInstallable(), ctx.IsAppleBrowser()
}

func (c *InstallApp) Render() app.UI {
	lang := c.Lang
	if !c.can {
		return app.Div().Class("install")
	}
	if c.apple {
		return app.Div().Class("install").Body(app.P().Text(t(lang, "install.apple")))
	}
	return app.Div().Class("install").Body(
		app.Button().ID("install").Type("button").Class("button button-secondary").
			OnClick(func(ctx app.Context, e app.Event) { ctx.ShowAppInstallPrompt() }).Text(t(lang, "install.button")),
	)
}
