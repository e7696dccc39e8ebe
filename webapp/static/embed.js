/* The embed widget and its help page on the published static site (balise publish), filtered in the browser.
 *
 * On `balise serve`, /embed filters on the server (webapp/embed.py, find_trails). A static host sends the same
 * ready-made page whatever the query, so this script reads location.search and lists what the server would:
 * the catalogue's own search (catalogue.js, loaded first, on the compact index api/catalogue.<lang>.json), then
 * the commune rule, then the limit. The pure core below runs under Node too (tests/js/embed.test.js); the page
 * gives it its translated messages and the widget's parameter names (a JSON block, webapp/embed.py
 * static_data). Without JavaScript the page keeps its ready-made list: the first trails by name.
 */
(function (root) {
  "use strict";

  const C = root.BaliseCatalogue || require("./catalogue.js");
  const LIMIT = 10, MAX_LIMIT = 50, ID_MAX = 2 ** 63 - 1, SHOWN_CHARS = 40;

  // -- the widget's parameters (webapp/embed.py widget_params, int_param) ----------------------------------
  function asParams(query) {
    return query instanceof URLSearchParams ? query : new URLSearchParams(query || "");
  }

  /** [[name, [values]]] for each of `names` present in `query`, in the order of `names`; values trimmed,
   * blanks dropped. */
  function widgetParams(names, query) {
    const params = asParams(query);
    const out = [];
    for (const key of names) {
      const values = params.getAll(key).map((v) => v.trim()).filter(Boolean);
      if (values.length) out.push([key, values]);
    }
    return out;
  }

  /** The number of trails to list: the first `limit` of `query`, a whole number from 1 to 50, 10 when
   * absent or blank; else a FilterError with the server's message (`message`: its translated template). */
  function parseLimit(query, message) {
    const raw = asParams(query).get("limit");
    if (raw === null || raw.trim() === "") return LIMIT;
    const text = raw.trim();
    const value = /^[0-9]{1,19}$/.test(text) ? Number(text) : NaN;
    if (!(value >= 1 && value <= MAX_LIMIT && value <= ID_MAX)) {
      const shown = text.length <= SHOWN_CHARS ? text : text.slice(0, SHOWN_CHARS) + "…";
      throw new C.FilterError(C.fmt(message, {name: "limit", low: 1, high: MAX_LIMIT, value: shown}));
    }
    return value;
  }

  /** The commune rule: every word of `wanted` (folded words, C.words) is a word of the trail's `communes`. */
  function inCommune(wanted, communes) {
    const have = new Set(C.words(communes));
    return wanted.every((w) => have.has(w));
  }

  /** What the catalogue's search is asked: the widget's filters, the commune's words added to `q` (the index
   * narrows by text, the commune rule keeps exact matches); `commune`: its values joined. */
  function searchQuery(names, query) {
    const chosen = widgetParams(names, query);
    const params = new URLSearchParams();
    let commune = "";
    for (const [key, values] of chosen) {
      if (key === "commune") commune = values.join(" ");
      else if (key !== "limit" && key !== "lang") values.forEach((v) => params.append(key, v));
    }
    if (commune) {
      const q = params.getAll("q").concat([commune]).join(" ");
      params.delete("q");
      params.append("q", q);
    }
    return {params: params, commune: commune, chosen: chosen};
  }

  /** True when the search needs the words of the index (api/catalogue-words.json): a text or commune search. */
  function needsWords(names, query) {
    return Boolean(C.paramValue(searchQuery(names, query).params, "q"));
  }

  /** The trails the widget lists for `query` (location.search): {rows (index rows, at most the limit),
   * total (how many match in all), limit}; throws C.FilterError as the server answers 400. */
  function findTrails(index, names, query, limitMessage) {
    const limit = parseLimit(query, limitMessage);
    const {params, commune} = searchQuery(names, query);
    let rows = C.search(index, params, Math.max(1, index.trails.length)).rows;
    if (commune) {
      const wanted = C.words(commune);
      rows = rows.filter((t) => inCommune(wanted, t[C.T.commune]));
    }
    return {rows: rows.slice(0, limit), total: rows.length, limit: limit};
  }

  // -- URLs and text as the server writes them --------------------------------------------------------------
  /** Python's urllib.parse.urlencode of [key, value] pairs (quote_plus: "~" kept, "!'()*" escaped). */
  function urlencode(pairs) {
    const quote = (v) => encodeURIComponent(v).replace(/[!'()*]/g,
      (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, "+");
    return pairs.map(([k, v]) => quote(k) + "=" + quote(v)).join("&");
  }

  /** The query of the catalogue link under the list ("See all n trails"): the filters, the commune as `q`. */
  function moreQuery(chosen) {
    const commune = chosen.filter(([k]) => k === "commune").flatMap(([, v]) => v).join(" ");
    const pairs = commune ? [["q", commune]] : [];
    for (const [key, values] of chosen) {
      if (!["commune", "limit", "lang"].includes(key) && !(commune && key === "q")) {
        values.forEach((v) => pairs.push([key, v]));
      }
    }
    return urlencode(pairs);
  }

  /** Python's html.escape. */
  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  /** The widget's line of figures: "4,7 km · 3 h 30 · moyen · D+ 385 m" (templates/embed/widget.html). */
  function figures(index, t, msg) {
    const T = C.T;
    let text = C.formatKm(index.lang, t[T.length]) + " · " + C.formatDuration(t[T.duration]) + " · " +
      C.label(index, index.codes.difficulty[t[T.difficulty]]);
    if (t[T.ascent]) text += " · " + msg.d_plus + " " + C.formatMetres(t[T.ascent]);
    return text;
  }

  /** The distinct data credits of `rows`, in order; `credits`: [[attribution, [[first id, last id], ...]]]. */
  function creditsOf(rows, credits) {
    const out = [];
    for (const t of rows) {
      const id = t[C.T.id];
      const found = credits.find(([, ranges]) => ranges.some(([a, b]) => a <= id && id <= b));
      if (found && !out.includes(found[0])) out.push(found[0]);
    }
    return out;
  }

  /** The help page's code for `chosen` filters: the ready-made code (`code`, for no filter) with the
   * widget's address (`embedUrl` + the query) and its title changed (webapp/embed.py snippet). */
  function snippet(code, embedUrl, chosen, msg) {
    const pairs = chosen.filter(([k]) => k !== "lang").flatMap(([k, values]) => values.map((v) => [k, v]));
    const query = urlencode(pairs);
    const commune = chosen.filter(([k]) => k === "commune").flatMap(([, v]) => v).join(" ");
    const title = commune ? C.fmt(msg.title_place, {place: commune}) : msg.title;
    return code.replace(/ src="[^"]*"/, () => ' src="' + escapeHtml(embedUrl + (query ? "?" + query : "")) + '"')
      .replace(/ title="[^"]*"/, () => ' title="' + escapeHtml(title) + '"');
  }

  const core = {widgetParams: widgetParams, parseLimit: parseLimit, inCommune: inCommune, searchQuery: searchQuery,
    needsWords: needsWords, findTrails: findTrails, urlencode: urlencode, moreQuery: moreQuery, figures: figures,
    creditsOf: creditsOf, snippet: snippet, escapeHtml: escapeHtml, LIMIT: LIMIT, MAX_LIMIT: MAX_LIMIT};
  root.BaliseEmbed = core;
  if (typeof module !== "undefined" && module.exports) module.exports = core;
  if (typeof document === "undefined") return;

  // -- the pages --------------------------------------------------------------------------------------------
  const script = document.currentScript;
  const html = document.documentElement;

  const el = C.el;

  /** The index of the page's language, with its words when `words` (they come on demand, as the catalogue's). */
  function loadIndex(words) {
    const api = new URL(script.dataset.api, window.location.href);  // api/trails.json
    const get = (name) => fetch(new URL(name, api)).then((r) => {
      if (!r.ok) throw new Error(r.status + " " + r.url);
      return r.json();
    });
    return Promise.all([get("catalogue." + html.lang + ".json"), words ? get("catalogue-words.json") : null])
      .then(([index, w]) => {
        if (w) index.words = w;
        return index;
      });
  }

  function linkOut(href, text) {
    return el("a", {href: href, target: "_blank", rel: "noopener"}, text);
  }

  function showWidget(data, index, query) {
    const main = document.querySelector("main");
    const msg = data.msg, site = script.dataset.site;
    main.querySelectorAll(":scope > :not(h1)").forEach((n) => n.remove());
    let found;
    try {
      found = findTrails(index, data.params, query, msg.bad_limit);
    } catch (e) {
      if (!(e instanceof C.FilterError)) throw e;
      main.append(el("h2", null, index.msg.cannot_understand), el("p", {class: "error", role: "alert"}, e.message));
      return;
    }
    const T = C.T;
    if (found.rows.length) {
      const list = el("ul");
      for (const t of found.rows) {
        const li = el("li", null, el("h2", null, linkOut(site + "trails/" + t[T.id] + "/", t[T.name])));
        if (t[T.commune]) li.append(el("p", {class: "commune"}, t[T.commune]));
        li.append(el("p", {class: "figures"}, figures(index, t, msg)));
        list.append(li);
      }
      main.append(list);
    } else {
      main.append(el("p", null, msg.no_match));
    }
    const more = moreQuery(searchQuery(data.params, query).chosen);
    main.append(el("p", {class: "more"}, linkOut(site + (more ? "?" + more : ""),
      found.total > found.rows.length ? C.fmt(msg.see_all, {n: found.total}) : msg.see_other)));
    const credits = creditsOf(found.rows, data.credits);
    main.append(el("p", {class: "credits"}, credits.length ? msg.data + ": " + credits.join(", ") + " · " : "",
      linkOut(site, "Balise")));
  }

  function startWidget(data) {
    const query = window.location.search;
    const lang = asParams(query).get("lang");
    const other = lang && lang !== html.lang && document.querySelector(`link[rel=alternate][hreflang="${CSS.escape(lang)}"]`);
    if (other) {  // ?lang=en on the French page: the English page, with the same filters
      const params = asParams(query);
      params.delete("lang");
      window.location.replace(new URL(other.getAttribute("href"), window.location.href).href +
        (params.toString() ? "?" + params : ""));
      return;
    }
    if (!widgetParams(data.params, query).length) {  // the ready-made list is the answer
      html.dataset.widget = "ready";
      return;
    }
    const main = document.querySelector("main");
    main.setAttribute("aria-busy", "true");  // the ready-made list is dimmed until the chosen one replaces it
    loadIndex(needsWords(data.params, query)).then((index) => {
      showWidget(data, index, query);
      html.dataset.widget = "ready";
    }, () => {
      html.dataset.widget = "failed";  // the ready-made list stays (the first trails by name)
    }).finally(() => main.removeAttribute("aria-busy"));
  }

  function startHelp(data) {
    const form = document.querySelector("form[data-embed-help]");
    const code = document.querySelector("textarea.embed-code");
    const preview = document.querySelector("iframe.embed-preview");
    const count = document.querySelector(".embed-count");
    const readyCode = code.value, previewUrl = preview.getAttribute("src");
    const embedUrl = (/ src="([^"]*)"/.exec(readyCode) || [null, ""])[1].replace(/&amp;/g, "&");
    const msg = data.msg;
    form.hidden = false;  // without JavaScript the page gives the code for every trail
    let index = null;
    const show = (query) => {
      const chosen = widgetParams(data.params, query).filter(([k]) => k !== "lang");
      code.value = snippet(readyCode, embedUrl, chosen, msg);
      const pairs = urlencode(chosen.flatMap(([k, values]) => values.map((v) => [k, v])));
      preview.src = previewUrl + (pairs ? "?" + pairs : "");
      const words = needsWords(data.params, query);
      const loading = index && (!words || index.words) ? Promise.resolve(index) : loadIndex(words);
      return loading.then((loaded) => {
        index = loaded;
        try {
          const total = findTrails(index, data.params, query, msg.bad_limit).total;
          count.textContent = total === 1 ? msg.one_match : C.fmt(msg.n_match, {n: total});
        } catch (e) {
          if (!(e instanceof C.FilterError)) throw e;
          count.textContent = e.message;
        }
        html.dataset.widget = "ready";
      });
    };
    const here = new URLSearchParams(window.location.search);
    for (const field of form.elements) {
      if (field.name && here.get(field.name) !== null) field.value = here.get(field.name);
    }
    if (![...here.keys()].length) html.dataset.widget = "ready";  // the ready-made code is the answer
    else show(here);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const query = new URLSearchParams(new FormData(form));
      const chosen = widgetParams(data.params, query);
      const pairs = urlencode(chosen.flatMap(([k, values]) => values.map((v) => [k, v])));
      history.replaceState(null, "", window.location.pathname + (pairs ? "?" + pairs : ""));
      show(query);
    });
  }

  const data = JSON.parse((document.getElementById("embed-data") || {}).textContent || "null");
  if (!data || !script) return;
  if (data.page === "help") startHelp(data);
  else startWidget(data);
})(typeof globalThis !== "undefined" ? globalThis : this);
