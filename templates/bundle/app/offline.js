/* Balise walker's app, module 5 of 6: keeping the circuit on the phone for offline use.
 *
 * files.json lists the bundle's version (content hash) and its files in two stages with their sizes.
 * The app checks the storage left (navigator.storage.estimate), shows the sizes, asks for persistent
 * storage, then downloads into the cache "balise:<scope>:<version>" (sw.js answers from it):
 *   1. core (app, trail, texts, map): then the walk works offline: dataset.offline = "ready";
 *   2. photos, audio and the GPX, with their own progress, skippable ("text only"): dataset.media =
 *      "loading", then "complete" or "skipped".
 * Progress in files and bytes; a cut shows dataset.offline = "failed" and a retry that resumes. When
 * the server has another version, dataset.offline = "update-available": it is downloaded beside the
 * old one only when the walker taps "Update", then the old caches are removed and the page reloads.
 * The "downloaded circuits" list shows every circuit of this site kept on the phone, with its size,
 * and deletes one. trail.html (file://) holds everything itself: ready at once. */
(function (B) {
  "use strict";

  var PREFIX = "balise:";
  var STATE = ".balise-state";   // per cache: {name, version, core, media, bytes}
  var PARALLEL = 4;
  var root = document.documentElement;
  var scope = null, list = null, busy = false;

  function set(name, value) { root.dataset[name] = value; }
  function show(id, on) { B.$(id).hidden = !on; }
  function text(id, key, params) {
    var node = B.$(id);
    node.setAttribute("data-i18n-params", JSON.stringify(params || {}));
    node.setAttribute("data-i18n-key", key);
    node.textContent = B.t(key, params);
  }
  /** Texts with figures, written again in the new language (called by app.js). */
  B.refreshOfflineTexts = function () {
    document.querySelectorAll("[data-i18n-key]").forEach(function (node) {
      node.textContent = B.t(node.getAttribute("data-i18n-key"), JSON.parse(node.getAttribute("data-i18n-params")));
    });
  };
  function sum(files) { return files.reduce(function (n, f) { return n + f[1]; }, 0); }
  function cacheName(version) { return PREFIX + scope + ":" + version; }
  function stateURL() { return new URL(STATE, scope).href; }

  function readState(cache) {
    return cache.match(stateURL()).then(function (r) { return r ? r.json() : null; });
  }
  function writeState(cache, state) {
    return cache.put(stateURL(), new Response(JSON.stringify(state), {headers: {"Content-Type": "application/json"}}));
  }

  /** The versions of this bundle kept on the phone: [{name: cache name, state}], oldest first. */
  function kept() {
    return caches.keys().then(function (keys) {
      var mine = keys.filter(function (k) { return k.indexOf(PREFIX + scope + ":") === 0; });
      return Promise.all(mine.map(function (k) {
        return caches.open(k).then(readState).then(function (st) { return {name: k, state: st}; });
      }));
    });
  }

  /** Download ``files`` ([path, bytes]) into ``cache``, PARALLEL at a time; files already there are kept. */
  function download(cache, version, files, onProgress, stopped) {
    var queue = files.slice(), done = 0, bytes = 0, failed = null;
    function one() {
      var f = queue.shift();
      if (!f || failed || (stopped && stopped())) { return Promise.resolve(); }
      var url = new URL(f[0], scope).href;
      return cache.match(url).then(function (hit) {
        if (hit) { return null; }
        return fetch(url + "?balise-install=" + version, {cache: "no-store"}).then(function (r) {
          if (!r.ok) { throw new Error(f[0] + ": HTTP " + r.status); }
          return cache.put(url, r);
        });
      }).then(function () {
        done += 1; bytes += f[1];
        onProgress(done, files.length, bytes, sum(files));
        return one();
      }, function (e) { failed = failed || e; });
    }
    var workers = [];
    for (var i = 0; i < PARALLEL; i++) { workers.push(one()); }
    return Promise.all(workers).then(function () { if (failed) { throw failed; } });
  }

  function progress(bar, id, key) {
    return function (done, total, bytes, all) {
      B.$(bar).max = all || 1;
      B.$(bar).value = bytes;
      text(id, key, {done: done, total: total, bytes: B.fmtBytes(bytes), all: B.fmtBytes(all)});
    };
  }

  function fail(e, key, params) {
    console.warn(e);
    busy = false;
    set("offline", "failed");
    text("install-status", key || "install_failed", params || {});
    show("install-retry", true);
    show("install-progress", false);
  }

  /** Install ``list`` (files.json): storage check, core, then media unless skipped. */
  function install(doc, options) {
    options = options || {};
    if (busy) { return Promise.resolve(); }
    busy = true;
    var core = doc.core, media = doc.media, name = cacheName(doc.version), cache = null, state = null;
    set("offline", options.update ? "update-available" : "installing");
    show("install-retry", false);
    show("update-banner", false);
    show("install-progress", true);
    text("install-sizes", "install_sizes", {core: B.fmtBytes(sum(core)), media: B.fmtBytes(sum(media))});
    var estimate = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate()
      : Promise.resolve(null);
    return estimate.then(function (est) {
      var free = est && est.quota ? est.quota - (est.usage || 0) : Infinity;
      if (free < sum(core)) {
        throw {storage: true, need: sum(core), free: free};
      }
      if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
      return caches.open(name);
    }).then(function (c) {
      cache = c;
      return readState(cache);
    }).then(function (st) {
      state = st || {name: doc.name, version: doc.version, core: false, media: null,
        bytes: {core: sum(core), media: sum(media)}};
      if (state.core) { return null; }
      if (!options.update) { set("offline", "installing"); }
      return download(cache, doc.version, core, progress("install-progress", "install-status", "install_core"));
    }).then(function () {
      state.core = true;
      return writeState(cache, state);
    }).then(function () {
      return removeOthers(name);
    }).then(function () {
      if (options.update) { window.location.reload(); return null; }
      busy = false;
      set("offline", "ready");
      show("install-progress", false);
      show("offline-ready", true);
      text("install-status", "install_ready", {});
      refreshCircuits();
      return media.length ? installMedia(doc, cache, state, options) : finishMedia(cache, state, "complete");
    }).catch(function (e) {
      if (e && e.storage) {
        fail(e, "storage_full", {need: B.fmtBytes(e.need), free: B.fmtBytes(Math.max(0, e.free))});
      } else {
        fail(e, "install_failed", {});
      }
    });
  }

  function finishMedia(cache, state, how) {
    state.media = how;
    set("media", how);
    show("media-skip", false);
    show("media-progress", false);
    show("media-get", how === "skipped");
    text("media-status", how === "complete" ? "media_complete" : "media_skipped", {});
    return writeState(cache, state).then(refreshCircuits);
  }

  var mediaSkipped = false;
  function installMedia(doc, cache, state, options) {
    if (state.media === "complete" || (state.media === "skipped" && !options.media)) {
      return finishMedia(cache, state, state.media);
    }
    mediaSkipped = false;
    set("media", "loading");
    show("media-skip", true);
    show("media-get", false);
    show("media-progress", true);
    var media = doc.media.slice();
    var report = progress("media-progress", "media-status", "media_progress");
    report(0, media.length, 0, sum(media));
    return navigator.storage && navigator.storage.estimate ? navigator.storage.estimate().then(function (est) {
      var free = est && est.quota ? est.quota - (est.usage || 0) : Infinity;
      if (free < sum(media)) {
        text("media-status", "storage_media", {need: B.fmtBytes(sum(media)), free: B.fmtBytes(free)});
        return finishMedia(cache, state, "skipped");
      }
      return go();
    }) : go();

    function go() {
      return download(cache, doc.version, media, function (done, total, bytes, all) {
        if (!mediaSkipped) { report(done, total, bytes, all); }
      }, function () { return mediaSkipped; }).then(function () {
        if (!mediaSkipped) { return finishMedia(cache, state, "complete"); }
        return null;
      }).catch(function (e) {
        if (mediaSkipped) { return null; }
        console.warn(e);
        set("media", "loading");
        text("media-status", "media_failed", {});
        show("install-retry", true);
        return null;
      });
    }
  }

  function removeOthers(keep) {
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf(PREFIX + scope + ":") === 0 && k !== keep;
      }).map(function (k) { return caches.delete(k); }));
    });
  }

  /** Ask the server for files.json (network first in sw.js); null offline. */
  function fetchList() {
    return fetch(new URL("files.json", scope).href + "?balise-install=check", {cache: "no-store"}).then(function (r) {
      if (!r.ok) { throw new Error("files.json: HTTP " + r.status); }
      return r.json();
    });
  }

  /** What to do on opening: install, resume, offer an update, or nothing (ready). */
  function check() {
    return Promise.all([kept(), fetchList().catch(function () { return null; })]).then(function (res) {
      var have = res[0].filter(function (k) { return k.state && k.state.core; }).pop();
      var doc = res[1];
      list = doc;
      if (!doc) {
        if (have) { markReady(have); return null; }
        return fail(new Error("offline"), "install_failed", {});
      }
      if (!have) { return install(doc); }
      if (have.state.version !== doc.version) {
        markReady(have);
        set("offline", "update-available");
        show("update-banner", true);
        return null;
      }
      markReady(have);
      return caches.open(have.name).then(function (cache) { return installMedia(doc, cache, have.state, {}); });
    });
  }

  function markReady(have) {
    set("offline", "ready");
    set("media", have.state.media === "complete" ? "complete" : have.state.media === "skipped" ? "skipped" : "loading");
    show("offline-ready", true);
    text("install-status", "install_ready", {});
    if (have.state.media === "skipped") { show("media-get", true); text("media-status", "media_skipped", {}); }
    if (have.state.media === "complete") { text("media-status", "media_complete", {}); }
  }

  // -- downloaded circuits ------------------------------------------------------------------------
  function refreshCircuits() {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      var ours = keys.filter(function (k) { return k.indexOf(PREFIX) === 0; });
      return Promise.all(ours.map(function (k) {
        return caches.open(k).then(function (cache) {
          return cache.keys().then(function (reqs) {
            var st = reqs.filter(function (r) { return /\/\.balise-state$/.test(r.url); })[0];
            return st ? cache.match(st).then(function (r) { return r.json(); }) : null;
          });
        }).then(function (st) { return {key: k, state: st}; });
      }));
    }).then(function (items) {
      var ul = B.$("circuits-list");
      ul.textContent = "";
      items.forEach(function (it) {
        var st = it.state || {};
        var bytes = (st.bytes ? st.bytes.core + (st.media === "complete" ? st.bytes.media : 0) : 0);
        var here = it.key.indexOf(PREFIX + scope + ":") === 0;
        var del = B.el("button", {type: "button", "class": "secondary small", "data-i18n": "delete", text: B.t("delete")});
        del.addEventListener("click", function () {
          caches.delete(it.key).then(function () {
            if (here) { set("offline", "failed"); show("offline-ready", false); text("install-status", "deleted_here", {}); show("install-retry", true); }
            refreshCircuits();
          });
        });
        ul.appendChild(B.el("li", {"data-cache": it.key}, [
          B.el("span", {text: (st.name || it.key) + " — " + B.fmtBytes(bytes) +
            (st.media === "skipped" ? " (" + B.t("text_only") + ")" : "")}), document.createTextNode(" "), del]));
      });
      show("circuits-empty", !items.length);
    }).catch(function (e) { console.warn(e); });
  }
  B.refreshCircuits = refreshCircuits;

  /** Register sw.js and keep the circuit for offline use. */
  B.initOffline = function () {
    if (B.data.inline) { set("offline", "ready"); set("media", "complete"); return; }
    if (!("serviceWorker" in navigator) || !window.caches || !/^https?:$/.test(window.location.protocol)) {
      return;
    }
    scope = new URL(".", window.location.href).href;
    show("install", true);
    B.$("install-retry").addEventListener("click", function () {
      show("install-retry", false);
      (list ? Promise.resolve(list) : fetchList()).then(function (doc) {
        list = doc;
        return kept().then(function (ks) {
          var have = ks.filter(function (k) { return k.state && k.state.version === doc.version; }).pop();
          if (have && have.state.core) {
            return caches.open(have.name).then(function (c) { return installMedia(doc, c, have.state, {media: true}); });
          }
          return install(doc);
        });
      }).catch(function (e) { fail(e, "install_failed", {}); });
    });
    B.$("media-skip").addEventListener("click", function () {
      mediaSkipped = true;
      caches.open(cacheName(list.version)).then(function (cache) {
        return readState(cache).then(function (st) { return finishMedia(cache, st, "skipped"); });
      });
    });
    B.$("media-get").addEventListener("click", function () {
      caches.open(cacheName(list.version)).then(function (cache) {
        return readState(cache).then(function (st) { return installMedia(list, cache, st, {media: true}); });
      });
    });
    B.$("update-now").addEventListener("click", function () {
      if (list) { install(list, {update: true}); }
    });
    navigator.serviceWorker.register("sw.js").catch(function (e) { console.warn(e); });
    check().then(refreshCircuits).catch(function (e) { fail(e, "install_failed", {}); });
  };
}(window.BaliseApp = window.BaliseApp || {}));
