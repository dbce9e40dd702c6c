// Lomake's service worker (go-app's ServiceWorkerTemplate). It keeps the portal usable
// without a network: the app shell, the client, styles, the catalog and the schemas
// are cached at install, every page the resident opens is kept for the next time, and
// any address of the app opens offline (a deep link or a reload included).
//
// Never cached: personal data (/api/ answers other than the public catalog and
// schemas), identification (/auth/, /test-identification) and anything not GET.
const cacheName = "lomake-{{.Version}}";
const precache = {{.ResourcesToCache}}.filter((url) => url !== "/");
// The catalog and the services' schemas are cached once a page's client runs and asks
// for them ("lomake-content"), not at install: on a phone's first visit they would
// compete with the client's own download. The shell is cached at install.
const contentURLs = precache.filter((url) => url.startsWith("/api/"));
const shell = precache.filter((url) => !url.startsWith("/api/"));
const languages = ["fi", "sv", "en"];
// How long a page may take from the network before the cached copy is shown: on a bus
// with a bad connection, a slow network is no better than none.
const pageTimeout = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(shell))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data !== "lomake-content") {
    return;
  }
  const reply = event.ports && event.ports[0];
  event.waitUntil(cacheContent().then((done) => reply && reply.postMessage(done)));
});

// cacheContent caches what content is not cached yet, one request at a time (a phone's
// line is the resident's); it resolves false if the network went away meanwhile.
async function cacheContent() {
  const cache = await caches.open(cacheName);
  for (const url of contentURLs) {
    if (await cache.match(url)) {
      continue;
    }
    try {
      const response = await fetch(url);
      if (response.ok) {
        await cache.put(url, response);
      }
    } catch (err) {
      return false;
    }
  }
  return true;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  const path = url.pathname;
  if (path.startsWith("/auth/") || path.startsWith("/test-identification")) {
    return;
  }
  if (path.startsWith("/api/")) {
    if (/^\/api\/v1\/(catalog|services(\/[a-z0-9-]+)?)$/.test(path)) {
      event.respondWith(content(event, request));
    }
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
    return;
  }
  event.respondWith(caches.match(request).then((cached) => cached || fetch(request)));
});

// page answers from the network and keeps a copy; offline, or when the network is
// slow, it answers with the kept copy of the address, else the catalog of its
// language, on which the client then renders the address itself.
async function page(request, url) {
  const cache = await caches.open(cacheName);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok && !response.redirected && response.type === "basic") {
      cache.put(request, response.clone());
    }
    return response;
  });
  const fallback = async () => {
    const lang = url.pathname.split("/")[1];
    return (await cache.match(request, { ignoreSearch: true })) ||
      (await cache.match("/" + (languages.includes(lang) ? lang : "fi") + "/"));
  };
  const slow = new Promise((resolve) => setTimeout(resolve, pageTimeout));
  try {
    const first = await Promise.race([fromNetwork, slow]);
    if (first) {
      return first;
    }
    return (await fallback()) || (await fromNetwork);
  } catch (err) {
    const cached = await fallback();
    if (cached) {
      return cached;
    }
    throw err;
  }
}

// content answers the catalog and the services' schemas from the network and keeps a
// copy; offline, or when the network is slow, from the copy. Not the copy first: a
// schema changed on the server must reach the form at once, or the browser would judge
// answers by the old one.
async function content(event, request) {
  const cache = await caches.open(cacheName);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok) {
      event.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, pageTimeout));
  try {
    const first = await Promise.race([fromNetwork, slow]);
    if (first) {
      return first;
    }
    return (await cache.match(request)) || (await fromNetwork);
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) {
      return cached;
    }
    throw err;
  }
}
