/* Balise walker's app, module 6 of 6: the wiring. Fixes go to the engine (engine.js, pure);
 * what it decides goes to the cards, the map and the status panel. Works offline (service worker)
 * and from file:// (trail.html, data and every module inlined). The page contract (DESIGN.md,
 * "Offline bundle contract"):
 *   - every POI is ONE element with data-poi-id="<id>"; data-state="triggered" once triggered;
 *   - window receives CustomEvent("balise:trigger", {detail: {poi, distance_m}});
 *   - window.balise.triggered: POI ids in trigger order (kept in localStorage per trail);
 *   - window.balise.feed(fix) processes one fix exactly as watchPosition does;
 *   - a stop passed during a stretch without fixes gets data-state="missed", its id goes into
 *     window.balise.missed (and CustomEvent "balise:missed" {pois}); it fires if the walker goes back.
 * Modules (namespace window.BaliseApp): app/state.js, app/map.js, app/cards.js,
 * app/geolocation.js, app/offline.js. */
(function (B) {
  "use strict";

  var api = B.api, t = B.t, $ = B.$;
  var queue = [];
  var lastResult = null;

  api.feed = function (fix) { return handleFix(fix); };
  api.reset = function () { resetWalk(); };
  api.openCard = function (id) { B.openCard(id, true); };
  api.addBaseLayer = function (layer) { B.addBaseLayer(layer); };
  api.setLanguage = function (l) { setLanguage(l); };
  api.setAlert = function (category, on) {  // as ticking "alert me" for a service category
    B.setAlert(category, on);
    var box = $("alert-" + category);
    if (box) { box.checked = !!on; }
  };

  function onTrigger(tr) {
    var s = B.stopById[String(tr.poi)];
    api.triggered.push(tr.poi);
    var was = api.missed.indexOf(tr.poi);
    if (was !== -1) { api.missed.splice(was, 1); B.renderMissed(); }
    B.saveWalk();
    B.showStopState(tr.poi);
    window.dispatchEvent(new CustomEvent("balise:trigger", {detail: {poi: tr.poi, distance_m: tr.distance_m}}));
    if (s) { B.announce(s); }
  }

  /** Stops passed while no position came (screen locked, GPS lost): listed, not announced late. */
  function onMissed(ids) {
    ids.forEach(function (id) { if (api.missed.indexOf(id) === -1) { api.missed.push(id); } });
    B.saveWalk();
    ids.forEach(B.showStopState);
    B.renderMissed();
    B.toast(t("missed_toast", {n: ids.length}));
    window.dispatchEvent(new CustomEvent("balise:missed", {detail: {pois: ids.slice()}}));
  }

  function updateStatus() {
    var engine = B.engine, r = lastResult, along = engine ? engine.alongM : null;
    var total = engine ? engine.line.lengthM : 0;
    var next = engine ? engine.ahead()[0] : null;
    $("next-stop").textContent = next ? t("next_stop", {distance: B.fmtDistance(next.remaining_m)}) + " — " +
      B.stopById[String(next.id)].name : (along != null ? t("no_next_stop") : "");
    var done = along == null ? 0 : along;
    $("progress-bar").style.width = (total ? Math.min(100, 100 * done / total) : 0) + "%";
    $("progress-text").textContent = along == null ? "" :
      t("progress", {done: B.fmtDistance(done), total: B.fmtDistance(total)});
    var off = $("off-trail");
    if (r && r.offTrail && r.position) {
      off.textContent = t("off_trail", {distance: B.fmtDistance(r.position.distance_to_trail_m)});
      off.hidden = false;
    } else { off.hidden = true; }
    B.showStopDistances(along);
  }

  function handleFix(fix) {
    if (!B.engine) { queue.push(fix); return {queued: true}; }
    var r = B.engine.feed(fix);
    if (r.reason === "inaccurate") {
      $("gps-status").textContent = t("gps_poor", {accuracy: Math.round(fix.accuracy) + " m"});
    } else if (r.accepted) {
      $("gps-status").textContent = t("gps_ok", {accuracy: Math.round(r.position.accuracy) + " m"});
      lastResult = r;
      B.showPosition(r.position);
    }
    if (r.missed && r.missed.length) { onMissed(r.missed); }
    r.triggers.forEach(onTrigger);
    if (r.accepted || r.triggers.length) { updateStatus(); }
    return {accepted: r.accepted, reason: r.reason, triggers: r.triggers, missed: r.missed || [],
      offTrail: r.offTrail};
  }
  B.onFix = handleFix;

  function resetWalk() {
    B.forgetWalk();
    if (B.engine) { B.engine.reset([], []); }
    B.showStopState();
    B.renderMissed();
    lastResult = null;
    updateStatus();
    B.toast(t("reset_done"));
    window.dispatchEvent(new CustomEvent("balise:reset"));
  }

  function setOption(name, on) {
    B.settings[name] = on;
    B.saveSettings();
    if (name === "wakelock") {
      if (on) { B.requestWakeLock(); } else { B.releaseWakeLock(); }
    }
  }

  function setLanguage(l) {
    if (!B.MESSAGES[l]) { return; }
    B.lang = l;
    B.settings.lang = l;
    B.saveSettings();
    applyLanguage();
  }
  function applyLanguage() {
    document.documentElement.lang = B.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) {
      node.textContent = t(node.getAttribute("data-i18n"));
    });
    document.querySelectorAll("[data-i18n-aria]").forEach(function (node) {
      node.setAttribute("aria-label", t(node.getAttribute("data-i18n-aria")));
    });
    var other = B.lang === "fr" ? "en" : "fr";
    var btn = $("lang-toggle");
    btn.textContent = other.toUpperCase();
    btn.setAttribute("lang", other);
    btn.setAttribute("aria-label", B.MESSAGES[other].lang_name);
    if (B.data) { B.renderFigures(); B.refreshWhere(); B.refreshOfflineTexts(); updateStatus(); }
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
    B.data = api.data = d;
    B.loadWalk();
    B.engine = api.engine = BaliseEngine.create({segments: d.segments, pois: d.stops,
      options: {accuracyMaxM: d.engine.accuracy_max_m, minCardSpacingS: d.engine.min_card_spacing_s},
      alerts: B.alerts(), triggered: api.triggered, missed: api.missed});
    B.renderFigures();
    B.renderStops();
    B.renderCredits();
    try { B.initMap(d, function (id) { B.openCard(id, true); }); } catch (e) { console.error(e); }
    B.showStopState();
    B.renderMissed();
    applyLanguage();
    if (B.settings.wakelock == null) { B.settings.wakelock = true; }  // guidance keeps the screen on by default
    ["wakelock", "autoplay", "speak"].forEach(function (name) {
      var box = $("opt-" + name);
      box.checked = !!B.settings[name];
      box.addEventListener("change", function () { setOption(name, box.checked); });
    });
    if (!navigator.wakeLock) { $("opt-wakelock").disabled = true; $("opt-wakelock").checked = false; }
    $("start").addEventListener("click", B.startWalk);
    $("reset-walk").addEventListener("click", resetWalk);
    B.initGeolocation();
    window.addEventListener("hashchange", B.openFromHash);
    B.openFromHash();
    queue.splice(0).forEach(handleFix);
    if (B.settings.started) { B.startWatching(); }
    else if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({name: "geolocation"}).then(function (st) {
        if (st.state === "granted") { B.startWatching(); }
      }).catch(function () {});
    }
    B.initOffline();
    window.dispatchEvent(new CustomEvent("balise:ready", {detail: {stops: d.stops.length}}));
  }

  $("lang-toggle").addEventListener("click", function () { setLanguage(B.lang === "fr" ? "en" : "fr"); });
  applyLanguage();
  api.ready = loadData().then(init).catch(function (e) {
    console.error(e);
    $("gps-status").textContent = String(e && e.message || e);
  });
}(window.BaliseApp = window.BaliseApp || {}));
