/* Service worker for the patrol inspection form (served by grids.views_inspections at
 * /areas/inspections/sw.js, which fills in the placeholders below).
 *
 * The form page: network first (so it stays current), the cached copy when there is no
 * connection. Its static files: cache first (their names carry a hash in production).
 * Everything else, and every POST, goes to the network untouched: sending is the page's job
 * (inspections.js keeps what could not be sent in IndexedDB).
 */
"use strict";

var VERSION = "__VERSION__";
var PAGE = "__PAGE__";
var ASSETS = ["__ASSETS__"];
var CACHE = "huaisi-inspections-" + VERSION;

function cachePage(cache) {
  return fetch(PAGE, { credentials: "same-origin" }).then(function (response) {
    // A redirect means the session ended (the log-in page): never keep that as the form.
    if (response.ok && !response.redirected) return cache.put(PAGE, response);
    return undefined;
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(ASSETS).then(function () { return cachePage(cache); });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("huaisi-inspections-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(PAGE).then(function (cached) {
          return cached || Response.error();
        });
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(url.pathname).then(function (cached) {
        return cached || fetch(request);
      })
    );
  }
});
