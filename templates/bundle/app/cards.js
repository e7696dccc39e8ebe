/* Balise walker's app, module 3 of 6: the circuit's figures, the stop cards (one element with
 * data-poi-id per stop, data-state "triggered" or "missed"), credits, and how a stop is announced
 * (toast, vibration, notification, audio guide or speech). */
(function (B) {
  "use strict";

  var el = B.el, t = B.t;

  B.renderFigures = function () {
    var data = B.data, f = data.figures, box = B.$("figures");
    box.textContent = "";
    var items = [["length", B.fmtDistance(f.length_m)], ["duration", B.fmtDuration(f.duration_min)],
      ["ascent", "D+ " + Math.round(f.ascent_m) + " m"], ["difficulty_label", t(f.difficulty)]];
    var dl = el("dl", {"class": "figures"});
    items.forEach(function (it) {
      dl.appendChild(el("div", {}, [el("dt", {text: t(it[0])}), el("dd", {text: it[1]})]));
    });
    box.appendChild(dl);
    if (data.summary) { box.appendChild(el("p", {text: data.summary})); }
  };

  function card(s) {
    var body = el("div", {"class": "poi-body", id: "poi-body-" + s.id, hidden: "hidden"});
    if (where(s)) { body.appendChild(el("p", {"class": "where", text: where(s)})); }
    if (s.summary) { body.appendChild(el("p", {"class": "summary", text: s.summary})); }
    s.media.filter(function (m) { return m.kind === "image"; }).forEach(function (m) {
      var cap = [m.title, m.author, m.licence].filter(Boolean).join(" — ");
      body.appendChild(el("figure", {}, [el("img", {src: m.src, alt: m.title || s.name, loading: "lazy"}),
        cap ? el("figcaption", {text: cap}) : null]));
    });
    s.media.filter(function (m) { return m.kind === "video"; }).forEach(function (m) {
      var cap = [m.title, m.author, m.licence].filter(Boolean).join(" — ");
      if (m.src) {  // in the bundle: played only when asked (never autoplay), fetched only then
        body.appendChild(el("figure", {"class": "video"}, [el("video", {controls: "controls", preload: "none",
          playsinline: "playsinline", src: m.src, poster: m.poster || null}), cap ? el("figcaption", {text: cap}) : null]));
      } else if (m.href) {  // over the bundle's video budget, or on the web: a link
        body.appendChild(el("p", {"class": "video-link"}, [el("a", {href: m.href, rel: "noopener noreferrer",
          target: "_blank", "data-i18n": "watch_video", text: t("watch_video")}), cap ? el("span", {text: " — " + cap}) : null]));
      }
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
      body.appendChild(el("p", {"class": "small credit"}, B.labelled("source", s.credits.text)));
    }
    var head = el("button", {type: "button", "class": "stop-head", "aria-expanded": "false",
      "aria-controls": "poi-body-" + s.id}, [
      el("span", {"class": "num" + (s.kind === "service" ? " service" : ""), text: s.number ? String(s.number) : "i"}),
      el("span", {"class": "stop-title"}, [el("strong", {text: s.name}),
        el("span", {"class": "cat", "data-i18n": "category:" + s.category, text: t("category:" + s.category)})]),
      el("span", {"class": "dist"})]);
    head.addEventListener("click", function () {
      if (B.poiElement(s.id).classList.contains("open")) { B.closeCard(s.id); } else { B.openCard(s.id, false); }
    });
    return el("li", {"class": "stop", id: "poi-" + s.id, "data-poi-id": String(s.id)}, [head, body]);
  }

  /** Where the place is from its trigger point on the trail ("120 m on your left"), or "". */
  function where(s) {
    var tr = s.trigger;
    if (!tr || !tr.on_trail || !tr.poi_offset_m || Math.abs(tr.poi_offset_m) < 5) { return ""; }
    return t(tr.poi_offset_m < 0 ? "poi_left" : "poi_right", {distance: B.fmtDistance(Math.abs(tr.poi_offset_m))});
  }
  B.where = where;
  /** Texts that carry figures, written again in the new language. */
  B.refreshWhere = function () {
    B.data.stops.forEach(function (s) {
      var node = document.querySelector('[data-poi-id="' + String(s.id) + '"] .where');
      if (node) { node.textContent = where(s); }
    });
  };

  /** Story stops in the stops list; services in their own list, by distance along the walk, with the
   * walker's alert choices (one checkbox per service category of the circuit). */
  B.renderStops = function () {
    var list = B.$("stops"), services = B.$("services");
    list.textContent = "";
    services.textContent = "";
    B.data.stops.forEach(function (s) {
      B.stopById[String(s.id)] = s;
      (s.kind === "service" ? services : list).appendChild(card(s));
    });
    B.$("services-panel").hidden = !services.children.length;
    var box = B.$("alerts");
    Array.prototype.slice.call(box.querySelectorAll("label")).forEach(function (n) { n.remove(); });
    (B.data.alert_categories || []).forEach(function (c) {
      var input = el("input", {type: "checkbox", id: "alert-" + c, "data-alert": c});
      input.checked = B.alerts().indexOf(c) !== -1;
      input.addEventListener("change", function () { B.setAlert(c, input.checked); });
      box.appendChild(el("label", {"class": "toggle"}, [input, document.createTextNode(" "),
        el("span", {"data-i18n": "category:" + c, text: t("category:" + c)})]));
    });
    box.hidden = !(B.data.alert_categories || []).length;
  };

  /** The service categories the walker asked alerts for (kept with the settings). */
  B.alerts = function () { return (B.settings.alerts || []).slice(); };
  B.setAlert = function (category, on) {
    var now = B.alerts().filter(function (c) { return c !== category; });
    if (on) { now.push(category); }
    B.settings.alerts = now;
    B.saveSettings();
    if (B.engine) { B.engine.setAlerts(now); }
  };

  /** "Water point: next in 2.3 km", "Restaurant: at the end of the walk": the next service of each
   * category ahead of the walker (from the start before the first fix). */
  B.showServicesAhead = function (along) {
    var box = B.$("services-next"), data = B.data;
    if (!box) { return; }
    box.textContent = "";
    var total = B.engine ? B.engine.line.lengthM : data.figures.length_m;
    var seen = {};
    data.stops.forEach(function (s) { if (s.kind === "service") { seen[s.category] = true; } });
    Object.keys(seen).forEach(function (c) {
      var ahead = data.stops.filter(function (s) {
        return s.kind === "service" && s.category === c && (along == null || s.distance_along_m >= along);
      }).sort(function (a, b) { return a.distance_along_m - b.distance_along_m; })[0];
      var label = t("category:" + c), text;
      if (!ahead) { text = t("service_none", {category: label}); }
      else if (total - ahead.distance_along_m <= Math.max(250, 0.05 * total)) {
        text = t("service_end", {category: label});
      } else if (along == null) {
        text = t("service_at", {category: label, distance: B.fmtDistance(ahead.distance_along_m)});
      } else { text = t("service_next", {category: label, distance: B.fmtDistance(ahead.distance_along_m - along)}); }
      box.appendChild(el("li", {"data-service-category": c, text: text}));
    });
  };

  B.renderCredits = function () {
    var data = B.data, box = B.$("credits-body");
    box.textContent = "";
    if (data.credits.trail) {
      box.appendChild(el("p", {}, B.labelled("trail_credit", data.credits.trail)));
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
    B.$("gpx-link").setAttribute("href", data.gpx);
  };

  B.openCard = function (id, scroll) {
    var li = B.poiElement(id);
    if (!li) { return; }
    li.classList.add("open");
    li.querySelector(".poi-body").hidden = false;
    li.querySelector(".stop-head").setAttribute("aria-expanded", "true");
    if (scroll) { li.scrollIntoView({behavior: "smooth", block: "start"}); }
  };
  B.closeCard = function (id) {
    var li = B.poiElement(id);
    if (!li) { return; }
    li.classList.remove("open");
    li.querySelector(".poi-body").hidden = true;
    li.querySelector(".stop-head").setAttribute("aria-expanded", "false");
  };
  B.openFromHash = function () {
    var m = /(?:^#|[#&])poi=([^&]+)/.exec(window.location.hash);
    if (m) { B.openCard(decodeURIComponent(m[1]), true); }
  };

  /** Mirror the walk's state of every stop (or one) on its card and marker. */
  B.showStopState = function (id) {
    if (id == null) { B.data.stops.forEach(function (s) { B.showStopState(s.id); }); return; }
    var li = B.poiElement(id), state = B.stopState(id);
    if (li) {
      if (state) { li.setAttribute("data-state", state); } else { li.removeAttribute("data-state"); }
    }
    B.refreshMarker(id);
  };

  /** The list of stops passed while the screen was off (or GPS lost), each one tap from its card. */
  B.renderMissed = function () {
    var ids = B.api.missed, list = B.$("missed-list");
    list.textContent = "";
    ids.forEach(function (id) {
      var s = B.stopById[String(id)];
      if (!s) { return; }
      var btn = el("button", {type: "button", "class": "missed-stop", "data-missed-id": String(s.id)}, [
        el("span", {"class": "num" + (s.kind === "service" ? " service" : ""), text: s.number ? String(s.number) : "i"}), el("span", {text: s.name})]);
      btn.addEventListener("click", function () { B.openCard(s.id, true); });
      list.appendChild(el("li", {}, [btn]));
    });
    B.$("missed").hidden = !list.children.length;
  };

  /** The distance left to each stop ("350 m to walk", "reached"), from the walker's place along. */
  B.showStopDistances = function (along) {
    B.data.stops.forEach(function (s) {
      var li = B.poiElement(s.id);
      if (!li) { return; }
      var text = "", state = B.stopState(s.id);
      if (state === "triggered") { text = t("reached"); }
      else if (state === "missed") { text = t("missed"); }
      else if (along == null) { text = t("to_walk", {distance: B.fmtDistance(s.distance_along_m)}); }
      else if (s.distance_along_m >= along) { text = t("to_walk", {distance: B.fmtDistance(s.distance_along_m - along)}); }
      li.querySelector(".dist").textContent = text;
    });
    B.showServicesAhead(along);
  };

  // -- announcing a stop -------------------------------------------------------------------------
  function notify(stop) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var opts = {body: stop.summary || "", tag: "balise-" + stop.id};
    if (!B.data.inline && navigator.serviceWorker && navigator.serviceWorker.controller) {
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
    u.lang = B.data.lang === "en" ? "en-GB" : "fr-FR";
    window.speechSynthesis.speak(u);
  }

  /** The walker reached a stop: open its card, tell them (toast, vibration, notification, sound). */
  B.announce = function (stop) {
    var li = B.poiElement(stop.id);
    B.openCard(stop.id, true);
    B.toast(t("here", {name: stop.name}) + (where(stop) ? " — " + where(stop) : ""));
    if (navigator.vibrate) { try { navigator.vibrate([200, 100, 200]); } catch (e) { /* not allowed */ } }
    notify(stop);
    var audio = li && li.querySelector("audio");
    if (audio && B.settings.autoplay) {
      audio.play().catch(function () {});
    } else if (!audio && B.settings.speak) {
      speak(stop);
    }
  };
}(window.BaliseApp = window.BaliseApp || {}));
