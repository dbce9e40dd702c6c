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
        var req = indexedDB.open("lomake", 1);
        req.onupgradeneeded = function () {
          var d = req.result;
          d.createObjectStore("drafts", { keyPath: "service" });
          d.createObjectStore("outbox", { keyPath: "id" });
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

  function note(e) {
    var el = e.target;
    var form = el && el.form;
    if (!form || form.id !== "form" || !el.name || !form.dataset.service) return;
    if (el.type === "radio" && !el.checked) return;
    var value = el.type === "checkbox" ? String(el.checked) : el.value;
    var service = form.dataset.service;
    (typed[service] = typed[service] || {})[el.name] = value;
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
    done(run("drafts", "readwrite", function (store) { return store.clear(); })).then(submit);
  }, true);

  window.lomake = {
    // updatable: the page came from an installed version, so a service worker that
    // activates later is a new version, not the first install.
    updatable: !!(navigator.serviceWorker && navigator.serviceWorker.controller),

    flushTyped: function () { return done(flush()); },

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
