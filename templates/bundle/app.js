/* Balise walker's app: map, stops, proximity triggers, guidance. Works offline (service worker)
 * and from file:// (trail.html, data inlined). The page contract (DESIGN.md, "Offline bundle"):
 *   - every POI is ONE element with data-poi-id="<id>"; data-state="triggered" once triggered;
 *   - window receives CustomEvent("balise:trigger", {detail: {poi, distance_m}});
 *   - window.balise.triggered: POI ids in trigger order (kept in localStorage per trail);
 *   - window.balise.feed(fix) processes one fix exactly as watchPosition does.
 * Hook for offline base maps (vector tiles, MBTiles): a script loaded before this one pushes
 * functions (L, map, data) -> layer onto window.BaliseBaseLayers; or call balise.addBaseLayer(layer). */
(function () {
  "use strict";

  var MESSAGES = JSON.parse(document.getElementById("balise-messages").textContent);
  var SETTINGS_KEY = "balise:settings";
  var settings = loadJSON(SETTINGS_KEY) || {};
  var lang = initialLanguage();
  var data = null, engine = null, map = null, watchId = null, wakeLock = null;
  var stopById = {}, markers = {}, position = {marker: null, circle: null};
  var queue = [];
  var lastResult = null;
  var $ = function (id) { return document.getElementById(id); };

  var api = window.balise = {
    triggered: [],
    feed: function (fix) { return handleFix(fix); },
    reset: function () { resetWalk(); },
    openCard: function (id) { openCard(id, true); },
    addBaseLayer: function (layer) { if (map) { layer.addTo(map); if (layer.bringToBack) { layer.bringToBack(); } } },
    setLanguage: function (l) { setLanguage(l); },
    data: null, engine: null, map: null, ready: null
  };

  // -- helpers ---------------------------------------------------------------------------------
  /* The language to open in: a ``lang`` parameter of the address (``index.html?lang=en`` or ``#lang=en``:
   * the circuit page's link carries its own language, and it becomes the stored choice), else the stored
   * choice (the toggle), else the phone's language (fr* -> fr, anything else -> en). */
  function initialLanguage() {
    var m = /[?&#]lang=([a-zA-Z-]+)/.exec(window.location.search + window.location.hash);
    var asked = m ? m[1].slice(0, 2).toLowerCase() : null;
    if (asked && MESSAGES[asked]) {
      settings.lang = asked;
      saveJSON(SETTINGS_KEY, settings);
      return asked;
    }
    if (MESSAGES[settings.lang]) { return settings.lang; }
    var phone = String((navigator.languages && navigator.languages[0]) || navigator.language || "");
    var l = /^fr\b/i.test(phone) ? "fr" : "en";
    return MESSAGES[l] ? l : "fr";
  }
  function loadJSON(key) {
    try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; }
  }
  function saveJSON(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: session only */ }
  }
  function t(key, params) {
    var s = (MESSAGES[lang] || {})[key];
    if (s == null) { s = (MESSAGES.en || {})[key]; }
    if (s == null) { s = key; }
    return s.replace(/\{(\w+)\}/g, function (m, k) { return params && params[k] != null ? params[k] : m; });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "html") { node.innerHTML = attrs[k]; }
      else if (attrs[k] != null && attrs[k] !== false) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function fmtDistance(m) {
    m = Math.max(0, m);
    if (m < 1000) { return (m < 100 ? Math.round(m / 5) * 5 : Math.round(m / 10) * 10) + " m"; }
    var km = (m / 1000).toFixed(m < 10000 ? 1 : 0);
    return (lang === "fr" ? km.replace(".", ",") : km) + " km";
  }
  function fmtDuration(min) {
    var h = Math.floor(min / 60), mm = Math.round(min % 60);
    return h ? h + " h " + (mm < 10 ? "0" : "") + mm : mm + " min";
  }
  function labelled(key, text) {  // "Source : …" in French, "Source: …" in English
    var span = el("span", {"data-i18n": key, text: t(key)});
    return [span, document.createTextNode((lang === "fr" ? "\u00a0: " : ": ") + text)];
  }
  function walkKey() { return "balise:walk:" + data.key; }
  function poiElement(id) { return document.querySelector('[data-poi-id="' + String(id) + '"]'); }

  // -- toast, vibration, notification, speech --------------------------------------------------
  var toastTimer = null;
  function toast(text) {
    var box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }
  function notify(stop) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var opts = {body: stop.summary || "", tag: "balise-" + stop.id};
    if (!data.inline && navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.ready.then(function (reg) { return reg.showNotification(stop.name, opts); })
        .catch(function () {});
    } else {
      try { new Notification(stop.name, opts); } catch (e) { /* Android needs the service worker */ }
    }
  }
  function plainText(stop) {
    var div = document.createElement("div");
    div.innerHTML = stop.description || "";
    return [stop.name, stop.summary, div.textContent].filter(Boolean).join(". ");
  }
  function speak(stop) {
    if (!window.speechSynthesis) { return; }
    window.speechSynthesis.cancel();
    var u = new SpeechSynthesisUtterance(plainText(stop));
    u.lang = data.lang === "en" ? "en-GB" : "fr-FR";
    window.speechSynthesis.speak(u);
  }

  // -- rendering -------------------------------------------------------------------------------
  function renderFigures() {
    var f = data.figures, box = $("figures");
    box.textContent = "";
    var items = [["length", fmtDistance(f.length_m)], ["duration", fmtDuration(f.duration_min)],
      ["ascent", "D+ " + Math.round(f.ascent_m) + " m"], ["difficulty_label", t(f.difficulty)]];
    var dl = el("dl", {"class": "figures"});
    items.forEach(function (it) {
      dl.appendChild(el("div", {}, [el("dt", {text: t(it[0])}), el("dd", {text: it[1]})]));
    });
    box.appendChild(dl);
    if (data.summary) { box.appendChild(el("p", {text: data.summary})); }
  }

  function renderStops() {
    var list = $("stops");
    list.textContent = "";
    data.stops.forEach(function (s) {
      stopById[String(s.id)] = s;
      var body = el("div", {"class": "poi-body", id: "poi-body-" + s.id, hidden: "hidden"});
      if (s.summary) { body.appendChild(el("p", {"class": "summary", text: s.summary})); }
      s.media.filter(function (m) { return m.kind === "image"; }).forEach(function (m) {
        var cap = [m.title, m.author, m.licence].filter(Boolean).join(" — ");
        body.appendChild(el("figure", {}, [el("img", {src: m.src, alt: m.title || s.name, loading: "lazy"}),
          cap ? el("figcaption", {text: cap}) : null]));
      });
      if (s.description) { body.appendChild(el("div", {"class": "description", html: s.description})); }
      var audio = s.media.filter(function (m) { return m.kind === "audio"; });
      audio.forEach(function (m) {
        body.appendChild(el("p", {"class": "audio-label", "data-i18n": "audio_guide", text: t("audio_guide")}));
        body.appendChild(el("audio", {controls: "controls", preload: "none", src: m.src}));
      });
      if (!audio.length && window.speechSynthesis) {
        var speakBtn = el("button", {type: "button", "class": "secondary speak", "data-i18n": "read_aloud",
          text: t("read_aloud")});
        speakBtn.addEventListener("click", function () { speak(s); });
        body.appendChild(speakBtn);
      }
      if (s.url) {
        body.appendChild(el("p", {}, [el("a", {href: s.url, rel: "noopener noreferrer", target: "_blank",
          "data-i18n": "more", text: t("more")})]));
      }
      if (s.credits && s.credits.text) {
        body.appendChild(el("p", {"class": "small credit"}, labelled("source", s.credits.text)));
      }
      var head = el("button", {type: "button", "class": "stop-head", "aria-expanded": "false",
        "aria-controls": "poi-body-" + s.id}, [
        el("span", {"class": "num", text: String(s.number)}),
        el("span", {"class": "stop-title"}, [el("strong", {text: s.name}),
          el("span", {"class": "cat", "data-i18n": "category:" + s.category, text: t("category:" + s.category)})]),
        el("span", {"class": "dist"})]);
      head.addEventListener("click", function () {
        var li = poiElement(s.id);
        if (li.classList.contains("open")) { closeCard(s.id); } else { openCard(s.id, false); }
      });
      var li = el("li", {"class": "stop", id: "poi-" + s.id, "data-poi-id": String(s.id)}, [head, body]);
      list.appendChild(li);
    });
  }

  function renderCredits() {
    var box = $("credits-body");
    box.textContent = "";
    if (data.credits.trail) {
      box.appendChild(el("p", {}, labelled("trail_credit", data.credits.trail)));
    }
    var seen = {};
    var ul = el("ul");
    data.stops.forEach(function (s) {
      var text = s.credits && s.credits.text;
      if (text && !seen[text]) { seen[text] = true; ul.appendChild(el("li", {text: text})); }
      s.media.forEach(function (m) {
        var c = [m.title, m.author, m.licence].filter(Boolean).join(" — ");
        if (c && !seen[c]) { seen[c] = true; ul.appendChild(el("li", {text: c})); }
      });
    });
    if (ul.children.length) { box.appendChild(ul); }
    if (data.bundle_url) {
      box.appendChild(el("p", {}, [el("a", {href: data.bundle_url, text: data.bundle_url})]));
    }
    $("gpx-link").setAttribute("href", data.gpx);
  }

  function markerStyle(id) {
    var done = engine && engine.isTriggered(id);
    return {radius: 11, color: "#ffffff", weight: 3, fillOpacity: 1, fillColor: done ? "#15803d" : "#1d4ed8"};
  }

  function initMap() {
    if (!window.L) { return; }
    map = api.map = L.map("map", {attributionControl: false, zoomSnap: 0.25});
    L.control.scale({imperial: false}).addTo(map);
    (window.BaliseBaseLayers || []).forEach(function (factory) {
      try { var layer = factory(L, map, data); if (layer) { layer.addTo(map); } } catch (e) { console.error(e); }
    });
    // The one place where [lon, lat] becomes Leaflet's [lat, lon].
    var latlngs = data.segments.map(function (seg) { return seg.map(function (p) { return [p[1], p[0]]; }); });
    L.polyline(latlngs, {color: "#ffffff", weight: 10, opacity: 1, interactive: false}).addTo(map);
    var line = L.polyline(latlngs, {color: "#c1121f", weight: 5, opacity: 1, interactive: false,
      className: "trail-line"}).addTo(map);
    if (latlngs.length && latlngs[0].length) {
      L.circleMarker(latlngs[0][0], {radius: 7, color: "#14532d", weight: 3, fillColor: "#ffffff", fillOpacity: 1})
        .addTo(map);
    }
    data.stops.forEach(function (s) {
      markers[String(s.id)] = L.circleMarker([s.lat, s.lon], markerStyle(s.id))
        .bindTooltip(String(s.number), {permanent: true, direction: "center", className: "num-label"})
        .on("click", function () { openCard(s.id, true); }).addTo(map);
    });
    map.fitBounds(line.getBounds(), {padding: [24, 24]});
  }

  // -- cards -----------------------------------------------------------------------------------
  function openCard(id, scroll) {
    var li = poiElement(id);
    if (!li) { return; }
    li.classList.add("open");
    li.querySelector(".poi-body").hidden = false;
    li.querySelector(".stop-head").setAttribute("aria-expanded", "true");
    if (scroll) { li.scrollIntoView({behavior: "smooth", block: "start"}); }
  }
  function closeCard(id) {
    var li = poiElement(id);
    if (!li) { return; }
    li.classList.remove("open");
    li.querySelector(".poi-body").hidden = true;
    li.querySelector(".stop-head").setAttribute("aria-expanded", "false");
  }
  function openFromHash() {
    var m = /(?:^#|[#&])poi=([^&]+)/.exec(window.location.hash);
    if (m) { openCard(decodeURIComponent(m[1]), true); }
  }

  // -- walk ------------------------------------------------------------------------------------
  function saveWalk() { saveJSON(walkKey(), {triggered: api.triggered}); }

  function onTrigger(tr) {
    var s = stopById[String(tr.poi)];
    api.triggered.push(tr.poi);
    saveWalk();
    var li = poiElement(tr.poi);
    if (li) { li.setAttribute("data-state", "triggered"); }
    if (markers[String(tr.poi)]) { markers[String(tr.poi)].setStyle(markerStyle(tr.poi)); }
    window.dispatchEvent(new CustomEvent("balise:trigger", {detail: {poi: tr.poi, distance_m: tr.distance_m}}));
    if (!s) { return; }
    openCard(s.id, true);
    toast(t("here", {name: s.name}));
    if (navigator.vibrate) { try { navigator.vibrate([200, 100, 200]); } catch (e) { /* not allowed */ } }
    notify(s);
    var audio = li && li.querySelector("audio");
    if (audio && settings.autoplay) {
      audio.play().catch(function () {});
    } else if (!audio && settings.speak) {
      speak(s);
    }
  }

  function updatePosition(p) {
    if (!map || !p) { return; }
    var ll = [p.latitude, p.longitude];
    if (!position.marker) {
      position.circle = L.circle(ll, {radius: p.accuracy || 1, color: "#b45309", weight: 1, fillOpacity: 0.15,
        interactive: false}).addTo(map);
      position.marker = L.circleMarker(ll, {radius: 8, color: "#ffffff", weight: 3, fillColor: "#b45309",
        fillOpacity: 1, className: "position-marker"}).addTo(map);
    } else {
      position.marker.setLatLng(ll);
      position.circle.setLatLng(ll).setRadius(p.accuracy || 1);
    }
  }

  function updateStatus() {
    var r = lastResult, along = engine ? engine.alongM : null;
    var total = engine ? engine.line.lengthM : 0;
    var next = engine ? engine.ahead()[0] : null;
    $("next-stop").textContent = next ? t("next_stop", {distance: fmtDistance(next.remaining_m)}) + " — " +
      stopById[String(next.id)].name : (along != null ? t("no_next_stop") : "");
    var done = along == null ? 0 : along;
    $("progress-bar").style.width = (total ? Math.min(100, 100 * done / total) : 0) + "%";
    $("progress-text").textContent = along == null ? "" : t("progress", {done: fmtDistance(done), total: fmtDistance(total)});
    var off = $("off-trail");
    if (r && r.offTrail && r.position) {
      off.textContent = t("off_trail", {distance: fmtDistance(r.position.distance_to_trail_m)});
      off.hidden = false;
    } else { off.hidden = true; }
    data.stops.forEach(function (s) {
      var li = poiElement(s.id);
      if (!li) { return; }
      var text = "";
      if (engine.isTriggered(s.id)) { text = t("reached"); }
      else if (along == null) { text = t("to_walk", {distance: fmtDistance(s.distance_along_m)}); }
      else if (s.distance_along_m >= along) { text = t("to_walk", {distance: fmtDistance(s.distance_along_m - along)}); }
      li.querySelector(".dist").textContent = text;
    });
  }

  function handleFix(fix) {
    if (!engine) { queue.push(fix); return {queued: true}; }
    var r = engine.feed(fix);
    if (r.reason === "inaccurate") {
      $("gps-status").textContent = t("gps_poor", {accuracy: Math.round(fix.accuracy) + " m"});
    } else if (r.accepted) {
      $("gps-status").textContent = t("gps_ok", {accuracy: Math.round(r.position.accuracy) + " m"});
      lastResult = r;
      updatePosition(r.position);
    }
    r.triggers.forEach(onTrigger);
    if (r.accepted || r.triggers.length) { updateStatus(); }
    return {accepted: r.accepted, reason: r.reason, triggers: r.triggers, offTrail: r.offTrail};
  }

  function resetWalk() {
    api.triggered.length = 0;
    if (engine) { engine.reset([]); }
    try { window.localStorage.removeItem(walkKey()); } catch (e) { /* ignore */ }
    document.querySelectorAll("[data-poi-id]").forEach(function (li) { li.removeAttribute("data-state"); });
    Object.keys(markers).forEach(function (id) { markers[id].setStyle(markerStyle(stopById[id].id)); });
    lastResult = null;
    updateStatus();
    toast(t("reset_done"));
    window.dispatchEvent(new CustomEvent("balise:reset"));
  }

  // -- geolocation and guidance ----------------------------------------------------------------
  function startWatching() {
    if (watchId !== null || !navigator.geolocation) { return; }
    $("start").hidden = true;
    watchId = navigator.geolocation.watchPosition(function (pos) {
      handleFix({latitude: pos.coords.latitude, longitude: pos.coords.longitude,
        accuracy: pos.coords.accuracy, timestamp: pos.timestamp});
    }, function (err) {
      if (err.code === 1) { $("gps-status").textContent = t("gps_denied"); $("start").hidden = false; watchId = null; }
    }, {enableHighAccuracy: true, maximumAge: 0, timeout: 60000});
  }
  function onStart() {
    settings.started = true;
    saveJSON(SETTINGS_KEY, settings);
    startWatching();
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    if ("Notification" in window && Notification.permission === "default") {
      try { Notification.requestPermission().catch(function () {}); } catch (e) { /* old API */ }
    }
    if (settings.wakelock) { requestWakeLock(); }
  }
  function requestWakeLock() {
    if (!navigator.wakeLock || document.visibilityState !== "visible") { return; }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () { /* battery saver, not allowed */ });
  }
  function setOption(name, on) {
    settings[name] = on;
    saveJSON(SETTINGS_KEY, settings);
    if (name === "wakelock") {
      if (on) { requestWakeLock(); } else if (wakeLock) { wakeLock.release(); wakeLock = null; }
    }
  }

  function setLanguage(l) {
    if (!MESSAGES[l]) { return; }
    lang = l;
    settings.lang = l;
    saveJSON(SETTINGS_KEY, settings);
    applyLanguage();
  }
  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-aria]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria")));
    });
    var other = lang === "fr" ? "en" : "fr";
    var btn = $("lang-toggle");
    btn.textContent = other.toUpperCase();
    btn.setAttribute("lang", other);
    btn.setAttribute("aria-label", MESSAGES[other].lang_name);
    if (data) { renderFigures(); updateStatus(); }
  }

  // -- start-up --------------------------------------------------------------------------------
  function loadData() {
    var inline = $("balise-data");
    if (inline) { return Promise.resolve(JSON.parse(inline.textContent)); }
    return fetch("trail.json").then(function (r) {
      if (!r.ok) { throw new Error("trail.json: HTTP " + r.status); }
      return r.json();
    });
  }

  function init(d) {
    data = api.data = d;
    var ids = d.stops.map(function (s) { return String(s.id); });
    var saved = loadJSON(walkKey());
    ((saved && saved.triggered) || []).forEach(function (id) {
      if (ids.indexOf(String(id)) !== -1 && api.triggered.indexOf(id) === -1) { api.triggered.push(id); }
    });
    engine = api.engine = BaliseEngine.create({segments: d.segments, pois: d.stops,
      options: {accuracyMaxM: d.engine.accuracy_max_m}, triggered: api.triggered});
    renderFigures();
    renderStops();
    renderCredits();
    api.triggered.forEach(function (id) {
      var li = poiElement(id);
      if (li) { li.setAttribute("data-state", "triggered"); }
    });
    try { initMap(); } catch (e) { console.error(e); }
    applyLanguage();
    ["wakelock", "autoplay", "speak"].forEach(function (name) {
      var box = $("opt-" + name);
      box.checked = !!settings[name];
      box.addEventListener("change", function () { setOption(name, box.checked); });
    });
    if (!navigator.wakeLock) { $("opt-wakelock").disabled = true; }
    $("start").addEventListener("click", onStart);
    $("reset-walk").addEventListener("click", resetWalk);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && settings.wakelock && !wakeLock && watchId !== null) {
        requestWakeLock();
      }
    });
    window.addEventListener("hashchange", openFromHash);
    openFromHash();
    queue.splice(0).forEach(handleFix);
    if (settings.started) { startWatching(); }
    else if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({name: "geolocation"}).then(function (st) {
        if (st.state === "granted") { startWatching(); }
      }).catch(function () {});
    }
    if (!d.inline && "serviceWorker" in navigator && /^https?:$/.test(window.location.protocol)) {
      navigator.serviceWorker.register("sw.js").then(function () { return navigator.serviceWorker.ready; })
        .then(function () { $("offline-ready").hidden = false; }).catch(function (e) { console.warn(e); });
    }
    window.dispatchEvent(new CustomEvent("balise:ready", {detail: {stops: d.stops.length}}));
  }

  $("lang-toggle").addEventListener("click", function () { setLanguage(lang === "fr" ? "en" : "fr"); });
  applyLanguage();
  api.ready = loadData().then(init).catch(function (e) {
    console.error(e);
    $("gps-status").textContent = String(e && e.message || e);
  });
}());
