/* Balise walker's app, module 1 of 6: shared state, settings, messages, small DOM helpers.
 * Every module is an IIFE that adds to the namespace window.BaliseApp (B); app.js wires them.
 * Load order (index.html, trail.html): engine.js, app/state.js, app/map.js, app/cards.js,
 * app/geolocation.js, app/offline.js, app.js. No module touches the network. */
(function (B) {
  "use strict";

  var SETTINGS_KEY = "balise:settings";
  B.MESSAGES = JSON.parse(document.getElementById("balise-messages").textContent);
  B.data = null;      // trail.json
  B.engine = null;    // BaliseEngine
  B.stopById = {};    // String(id) -> stop of trail.json

  /** The page contract (DESIGN.md, "Offline bundle contract"). */
  B.api = window.balise = {
    triggered: [],    // POI ids in trigger order (kept in localStorage per trail)
    missed: [],       // POI ids passed during a stretch without fixes, not reached since
    data: null, engine: null, map: null, ready: null
  };

  B.$ = function (id) { return document.getElementById(id); };

  B.loadJSON = function (key) {
    try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; }
  };
  B.saveJSON = function (key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: session only */ }
  };
  B.settings = B.loadJSON(SETTINGS_KEY) || {};
  B.saveSettings = function () { B.saveJSON(SETTINGS_KEY, B.settings); };

  /* The language to open in: a ``lang`` parameter of the address (``index.html?lang=en`` or ``#lang=en``:
   * the circuit page's link carries its own language, and it becomes the stored choice), else the stored
   * choice (the toggle), else the phone's language (fr* -> fr, anything else -> en). */
  function initialLanguage() {
    var m = /[?&#]lang=([a-zA-Z-]+)/.exec(window.location.search + window.location.hash);
    var asked = m ? m[1].slice(0, 2).toLowerCase() : null;
    if (asked && B.MESSAGES[asked]) {
      B.settings.lang = asked;
      B.saveSettings();
      return asked;
    }
    if (B.MESSAGES[B.settings.lang]) { return B.settings.lang; }
    var phone = String((navigator.languages && navigator.languages[0]) || navigator.language || "");
    var l = /^fr\b/i.test(phone) ? "fr" : "en";
    return B.MESSAGES[l] ? l : "fr";
  }
  B.lang = initialLanguage();

  /** A message in the current language, ``{name}`` placeholders filled from params. */
  B.t = function (key, params) {
    var s = (B.MESSAGES[B.lang] || {})[key];
    if (s == null) { s = (B.MESSAGES.en || {})[key]; }
    if (s == null) { s = key; }
    return s.replace(/\{(\w+)\}/g, function (m, k) { return params && params[k] != null ? params[k] : m; });
  };

  B.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "html") { node.innerHTML = attrs[k]; }
      else if (attrs[k] != null && attrs[k] !== false) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  };

  B.fmtDistance = function (m) {
    m = Math.max(0, m);
    if (m < 1000) { return (m < 100 ? Math.round(m / 5) * 5 : Math.round(m / 10) * 10) + " m"; }
    var km = (m / 1000).toFixed(m < 10000 ? 1 : 0);
    return (B.lang === "fr" ? km.replace(".", ",") : km) + " km";
  };
  B.fmtBytes = function (n) {
    var s = n < 1e6 ? Math.max(1, Math.round(n / 1000)) + " KB" : (n / 1e6).toFixed(1) + " MB";
    return B.lang === "fr" ? s.replace(".", ",").replace("KB", "ko").replace("MB", "Mo") : s;
  };
  B.fmtDuration = function (min) {
    var h = Math.floor(min / 60), mm = Math.round(min % 60);
    return h ? h + " h " + (mm < 10 ? "0" : "") + mm : mm + " min";
  };
  /** "Source : …" in French, "Source: …" in English. */
  B.labelled = function (key, text) {
    var span = B.el("span", {"data-i18n": key, text: B.t(key)});
    return [span, document.createTextNode((B.lang === "fr" ? "\u00a0: " : ": ") + text)];
  };
  B.poiElement = function (id) { return document.querySelector('[data-poi-id="' + String(id) + '"]'); };

  // -- the walk kept across reloads --------------------------------------------------------------
  function walkKey() { return "balise:walk:" + B.data.key; }
  /** Restore triggered/missed ids of this trail's walk (ids no longer in the trail are dropped). */
  B.loadWalk = function () {
    var ids = B.data.stops.map(function (s) { return String(s.id); });
    var saved = B.loadJSON(walkKey()) || {};
    ["triggered", "missed"].forEach(function (name) {
      var into = B.api[name];
      (saved[name] || []).forEach(function (id) {
        if (ids.indexOf(String(id)) !== -1 && into.indexOf(id) === -1) { into.push(id); }
      });
    });
  };
  B.saveWalk = function () {
    B.saveJSON(walkKey(), {triggered: B.api.triggered, missed: B.api.missed});
  };
  function has(list, id) {
    for (var i = 0; i < list.length; i++) { if (String(list[i]) === String(id)) { return true; } }
    return false;
  }
  /** "triggered", "missed" or null: what the walk did with a stop so far. */
  B.stopState = function (id) {
    if (has(B.api.triggered, id)) { return "triggered"; }
    if (has(B.api.missed, id)) { return "missed"; }
    return null;
  };
  B.forgetWalk = function () {
    B.api.triggered.length = 0;
    B.api.missed.length = 0;
    try { window.localStorage.removeItem(walkKey()); } catch (e) { /* ignore */ }
  };

  var toastTimer = null;
  B.toast = function (text) {
    var box = B.$("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 6000);
  };
}(window.BaliseApp = window.BaliseApp || {}));
