/* Balise offline bundle service worker: precaches every file of the bundle, then answers cache-first.
 * The cache is named after the bundle's folder (its scope) and the hash of its content, so a new
 * version of the bundle installs beside the old one and replaces it on activation, and bundles of
 * other trails served from the same site keep their own caches. */
"use strict";
var VERSION = __BALISE_VERSION__;
var FILES = __BALISE_FILES__;
var PREFIX = "balise:" + self.registration.scope + ":";
var CACHE = PREFIX + VERSION;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(FILES.map(function (f) { return new Request(f, {cache: "reload"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf(PREFIX) === 0 && k !== CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var lookup = request;
  if (request.mode === "navigate" && url.pathname.slice(-1) === "/") {
    lookup = new URL("index.html", self.registration.scope).href;
  }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(lookup, {ignoreSearch: true}).then(function (hit) {
      if (!hit) { return fetch(request); }
      var range = request.headers.get("range");
      return range ? partial(hit, range) : hit;
    });
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
