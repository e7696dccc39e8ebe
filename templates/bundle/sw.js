/* Balise offline bundle service worker: answers from the bundle's caches, cache-first.
 * The app (app/offline.js) fills the caches itself, with progress: the core first (app, trail, texts,
 * map: the walk works offline), then photos and audio; a cache is named "balise:<scope>:<version>"
 * after the bundle's folder and content hash (files.json), so a new version downloads beside the old
 * one and bundles of other trails served from the same site keep their own. This file never changes
 * with the content: the browser never swaps it in the middle of a walk.
 * Not from the caches: files.json (network first: it tells the app a new version exists) and what the
 * app downloads (?balise-install=<version>). */
"use strict";
var PREFIX = "balise:" + self.registration.scope + ":";

self.addEventListener("install", function (event) {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

/** The first cache of this bundle (oldest version first) that holds the request. */
function cached(request) {
  return caches.keys().then(function (keys) {
    var mine = keys.filter(function (k) { return k.indexOf(PREFIX) === 0; });
    var i = 0;
    function next() {
      if (i >= mine.length) { return undefined; }
      return caches.open(mine[i++]).then(function (cache) {
        return cache.match(request, {ignoreSearch: true, ignoreVary: true});
      }).then(function (hit) { return hit || next(); });
    }
    return next();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.href.indexOf(self.registration.scope) !== 0) { return; }
  if (url.searchParams.has("balise-install")) { return; }  // the app downloading a version: network only
  if (/\/files\.json$/.test(url.pathname)) {
    event.respondWith(fetch(request).catch(function () {
      return cached(request).then(function (hit) { return hit || Response.error(); });
    }));
    return;
  }
  var lookup = request;
  if (request.mode === "navigate" && url.pathname.slice(-1) === "/") {
    lookup = new Request(new URL("index.html", self.registration.scope).href);
  }
  event.respondWith(cached(lookup).then(function (hit) {
    if (!hit) { return fetch(request); }
    var range = request.headers.get("range");
    return range ? partial(hit, range) : hit;
  }));
});

/* Audio and video elements ask for byte ranges; Safari plays only 206 answers. */
function partial(response, range) {
  var m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m) { return response; }
  return response.arrayBuffer().then(function (body) {
    var size = body.byteLength;
    var start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
    var end = m[1] !== "" && m[2] !== "" ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response(null, {status: 416, headers: {"Content-Range": "bytes */" + size}});
    }
    var headers = new Headers(response.headers);
    headers.set("Content-Range", "bytes " + start + "-" + end + "/" + size);
    headers.set("Content-Length", String(end - start + 1));
    return new Response(body.slice(start, end + 1), {status: 206, statusText: "Partial Content", headers: headers});
  });
}
