// lomake.js keeps what the resident types on the device: drafts and the outbox live in
// IndexedDB (not localStorage: drafts can be large and its writes block the page).
//
// It is plain JavaScript, not WebAssembly, for two reasons: typing must be saved before
// the 3 MB client has loaded and without running Go on every keystroke, and the client
// has no size left to spare. The Go client calls window.lomake; every call returns a
// promise that resolves, never rejects (a failure resolves to "" or false), so that the
// Go side always hears back.
(function () {
  "use strict";

  var opening = null;

  function db() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var req = indexedDB.open("lomake", 2);
        req.onupgradeneeded = function () {
          var d = req.result;
          ["drafts:service", "outbox:id", "files:key"].forEach(function (s) {
            var parts = s.split(":");
            if (!d.objectStoreNames.contains(parts[0])) d.createObjectStore(parts[0], { keyPath: parts[1] });
          });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { opening = null; reject(req.error); };
      });
    }
    return opening;
  }

  // run does fn(store) in one transaction and resolves with the result of the request
  // fn returns, once the transaction has committed.
  function run(name, mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(name, mode);
        var req = fn(tx.objectStore(name));
        var out;
        if (req) req.onsuccess = function () { out = req.result; };
        tx.oncomplete = function () { resolve(out); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function text(p) {
    return p.then(function (v) { return v ? JSON.stringify(v) : ""; }, function () { return ""; });
  }
  function done(p) {
    return p.then(function () { return true; }, function () { return false; });
  }

  // Typing: every input in the form is noted in the draft's "typed" map, by field
  // name (the field's JSON pointer), within a fraction of a second. The Go client
  // folds these notes into the draft when it loads one and clears them when it saves.
  var typed = {};
  var timer = 0;
  // here keeps every field typed into since the page loaded, never cleared: when the
  // client takes over, what the resident typed on this page wins over older drafts.
  var here = {};

  // taken is the prerendered form the client took over (snapshot), and lastFocus the
  // element that last took focus on the page (latest).
  var taken = null;
  var lastFocus = null;
  document.addEventListener("focusin", function (e) { lastFocus = e.target; }, true);
  // takenChanged: the taken form had an input after its snapshot (note). Only then
  // does latest read its answers again: on a 100-field form that read costs more than
  // the rest of the takeover.
  var takenChanged = false;

  // describe is what the prerendered form holds: what it would post (every answer, its
  // page, the send's key; without them unless withValues), which field has focus (a)
  // with its caret, and the scroll.
  function describe(form, a, withValues) {
    var values = null;
    if (withValues) {
      values = {};
      new FormData(form).forEach(function (v, k) {
        if (typeof v === "string") (values[k] = values[k] || []).push(v);
      });
    }
    var out = { service: form.dataset.service, posted: !!form.dataset.posted, values: values,
      signedOut: !!document.getElementById("identify-first"), errors: !!document.getElementById("error-summary"),
      focus: (a && a !== document.body && a.id) || "", scroll: window.scrollY };
    try {
      if (a && typeof a.selectionStart === "number") {
        out.start = a.selectionStart;
        out.end = a.selectionEnd;
      }
    } catch (e) {} // inputs without a caret (date, checkbox) throw
    return JSON.stringify(out);
  }

  function note(e) {
    var el = e.target;
    var form = el && el.form;
    if (taken && form === taken) takenChanged = true;
    if (!form || form.id !== "form" || !el.name || !form.dataset.service) return;
    if (el.type === "radio" && !el.checked) return;
    var value = el.type === "checkbox" ? String(el.checked) : el.value;
    var service = form.dataset.service;
    // The client checks a required field emptied again on leaving it. Once per field:
    // an attribute written on every key would cost every keystroke a style check.
    if (!el.dataset.typed) el.dataset.typed = "1";
    (typed[service] = typed[service] || {})[el.name] = value;
    (here[service] = here[service] || {})[el.name] = value;
    if (!timer) timer = setTimeout(flush, 150);
  }

  function flush() {
    clearTimeout(timer);
    timer = 0;
    var batch = typed;
    typed = {};
    return Promise.all(Object.keys(batch).map(function (service) {
      return run("drafts", "readwrite", function (store) {
        var get = store.get(service);
        get.onsuccess = function () {
          var rec = get.result || { service: service, data: "" };
          rec.typed = Object.assign(rec.typed || {}, batch[service]);
          rec.savedAt = Date.now();
          store.put(rec);
        };
      }).catch(function () {});
    }));
  }

  document.addEventListener("input", note, true);
  // This script is deferred: what was typed before it ran (a slow phone shows the
  // page before it has run) is noted now, as if typed just now.
  (function () {
    var form = document.getElementById("form");
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      var changed = el.type === "checkbox" || el.type === "radio" ? el.checked !== el.defaultChecked :
        "defaultValue" in el && el.type !== "hidden" && el.type !== "file" && el.value !== el.defaultValue;
      if (changed) note({ target: el });
    });
  })();
  // A tab put away or closed mid-wait writes at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) flush();
  });

  // Logging out from a shared device removes this device's drafts first (the server
  // keeps its copies). The logout form is a plain form, so this works without the client.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("logout") || form.dataset.cleared) return;
    e.preventDefault();
    form.dataset.cleared = "1";
    try { localStorage.removeItem("lomake.user"); } catch (err) {}
    var submit = function () { HTMLFormElement.prototype.submit.call(form); };
    done(run("drafts", "readwrite", function (store) { return store.clear(); }))
      .then(function () { return done(run("files", "readwrite", function (store) { return store.clear(); })); })
      .then(submit);
  }, true);

  // Files: a file chosen in a form goes to the server at once, its progress shown in the
  // field's <progress>; XMLHttpRequest, because fetch cannot tell how much of a body has
  // gone. A file that cannot go now (offline, the server away) waits in the "files"
  // store as the browser's own File, and goes with the send. Answers are JSON text:
  // {status, body} from the server, status 0 with the key of a file kept on the device.
  function send(blob, name, service, pointer, csrf, lang, progressId) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/services/" + encodeURIComponent(service) + "/uploads?pointer=" +
        encodeURIComponent(pointer) + "&lang=" + encodeURIComponent(lang));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      // RFC 5987: any name, in UTF-8.
      xhr.setRequestHeader("Content-Disposition", "attachment; filename*=UTF-8''" +
        encodeURIComponent(name).replace(/['()*]/g, function (c) {
          return "%" + c.charCodeAt(0).toString(16).toUpperCase();
        }));
      if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.upload.onprogress = function (e) {
        var bar = progressId && document.getElementById(progressId);
        if (bar && e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
        }
      };
      xhr.onload = function () { resolve({ status: xhr.status, body: xhr.responseText }); };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { resolve({ status: 0 }); };
      xhr.send(blob);
    });
  }

  function keep(file, service, pointer) {
    var key = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var rec = { key: key, service: service, pointer: pointer, name: file.name, size: file.size, blob: file, savedAt: Date.now() };
    return run("files", "readwrite", function (s) { return s.put(rec); })
      .then(function () { return { status: 0, key: key }; }, function () { return { status: 0, key: "" }; });
  }

  function json(p) {
    return p.then(function (v) { return JSON.stringify(v); }, function () { return JSON.stringify({ status: 0 }); });
  }

  // The client carries no service: it reads from the API, as it starts, the schema of
  // the page's service on a service's pages, else the catalog. The request starts now,
  // while the client downloads, and the client takes its answer (prefetched) instead
  // of waiting.
  var early = {};
  (function () {
    var m = /^\/[a-z]{2}\/(services|preview)\/([a-z0-9-]+)(\/|$)/.exec(location.pathname);
    var p = m ? "/api/v1/services/" + m[2] : "/api/v1/catalog";
    early[p] = fetch(p, { credentials: "same-origin" });
  })();

  window.lomake = {
    // prefetched returns the request started for path at the page's start, once, or
    // null.
    prefetched: function (path) {
      var p = early[path] || null;
      delete early[path];
      return p;
    },

    // precacheContent asks the service worker to keep the catalog and every service's
    // schema for offline use, once the client runs; it resolves true when they are
    // kept (window.lomakeContentKept is set then too).
    precacheContent: function () {
      if (!navigator.serviceWorker) return Promise.resolve(false);
      return navigator.serviceWorker.ready.then(function (reg) {
        return new Promise(function (resolve) {
          var c = new MessageChannel();
          c.port1.onmessage = function (e) {
            window.lomakeContentKept = e.data === true;
            resolve(e.data === true);
          };
          reg.active.postMessage("lomake-content", [c.port2]);
        });
      }, function () { return false; });
    },

    // updatable: the page came from an installed version, so a service worker that
    // activates later is a new version, not the first install.
    updatable: !!(navigator.serviceWorker && navigator.serviceWorker.controller),

    flushTyped: function () { return done(flush()); },

    // snapshot tells the client, as it takes over the prerendered form, what the page
    // holds at that moment: what the form would post (every answer, its page, the
    // send's key), which field has focus with its caret, and the scroll. Only once,
    // and only for the server's form: the client then renders the same form and puts
    // focus back in the same task, so that no keystroke falls on the page's body.
    snapshot: function () {
      var form = document.getElementById("form");
      if (!form || !form.dataset.prerendered || form.dataset.taken) return "";
      form.dataset.taken = "1";
      taken = form;
      return describe(form, document.activeElement, true);
    },
    // latest tells the client what the prerendered form holds now, once the client's
    // page has taken its place: the client's first render lets the browser run between
    // its parts, and the keys pressed meanwhile went to the prerendered form. Its
    // focused field is out of the page by then, so it is the one that last took focus.
    // The answers come only if one changed since the snapshot (values is null if not).
    latest: function () {
      if (!taken) return "";
      return describe(taken, lastFocus && taken.contains(lastFocus) ? lastFocus : null, takenChanged);
    },
    // typedHere: the fields typed into on this page, {pointer: text}.
    typedHere: function (service) { return JSON.stringify(here[service] || {}); },

    // Drafts: {service, data: the client's JSON, typed: {pointer: text}, savedAt}.
    draftGet: function (service) {
      return flush().then(function () {
        return text(run("drafts", "readonly", function (s) { return s.get(service); }));
      });
    },
    draftPut: function (service, data) {
      return done(run("drafts", "readwrite", function (s) {
        return s.put({ service: service, data: data, typed: {}, savedAt: Date.now() });
      }));
    },
    draftDelete: function (service) {
      return done(run("drafts", "readwrite", function (s) { return s.delete(service); }));
    },
    draftsClear: function () {
      return done(run("drafts", "readwrite", function (s) { return s.clear(); }));
    },

    // Outbox: {id (the idempotency key), data: the client's JSON}.
    outboxAll: function () {
      return text(run("outbox", "readonly", function (s) { return s.getAll(); }));
    },
    outboxPut: function (id, data) {
      return done(run("outbox", "readwrite", function (s) { return s.put({ id: id, data: data }); }));
    },
    outboxDelete: function (id) {
      return done(run("outbox", "readwrite", function (s) { return s.delete(id); }));
    },

    // upload sends the file chosen in input, or keeps it on the device when it cannot go:
    // offline, or when the client says the server cannot take it yet (keepOnly: no
    // session or no registration).
    upload: function (input, service, pointer, csrf, lang, progressId, keepOnly) {
      var file = input && input.files && input.files[0];
      if (!file) return Promise.resolve(JSON.stringify({ status: -1 }));
      var p = keepOnly || navigator.onLine === false ? keep(file, service, pointer) :
        send(file, file.name, service, pointer, csrf, lang, progressId).then(function (r) {
          return r.status === 0 ? keep(file, service, pointer) : r;
        });
      return json(p);
    },
    // uploadKept sends a file kept on the device; status 404 when it is no longer there.
    uploadKept: function (key, service, pointer, csrf, lang) {
      return json(run("files", "readonly", function (s) { return s.get(key); }).then(function (rec) {
        return rec ? send(rec.blob, rec.name, service, pointer, csrf, lang, "") : { status: 404 };
      }));
    },
    // fileKept describes a file kept on the device: {name, size}, or "".
    fileKept: function (key) {
      return run("files", "readonly", function (s) { return s.get(key); }).then(function (rec) {
        return rec ? JSON.stringify({ name: rec.name, size: rec.size }) : "";
      }, function () { return ""; });
    },
    fileDelete: function (key) {
      return done(run("files", "readwrite", function (s) { return s.delete(key); }));
    },

    // Storage: ask the browser not to evict our data, and tell how full it is.
    persist: function () {
      var s = navigator.storage;
      return s && s.persist ? s.persist().catch(function () { return false; }) : Promise.resolve(false);
    },
    estimate: function () {
      var s = navigator.storage;
      return s && s.estimate ? text(s.estimate()) : Promise.resolve("");
    },

    // download saves text as a file, for a draft the device may not be able to keep.
    download: function (name, content) {
      var url = URL.createObjectURL(new Blob([content], { type: "application/json" }));
      var a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      return Promise.resolve(true);
    }
  };
})();
