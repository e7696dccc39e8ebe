/* The catalogue of the published static site, filtered in the browser (balise publish).
 *
 * The page loads a compact index of the published circuits (api/catalogue.<lang>.json, written by
 * webapp/publish_catalogue.py) and answers the same query parameters as the server's catalogue with the
 * same results, facet counts and filter sentences (trails/filters.py, trails/filter_index.py): the core
 * below (parse, search, describe) is pure and runs under Node too (tests/test_publish_catalogue.py compares
 * it with the server on the demo). Without JavaScript the page keeps its ready-made pages per facet.
 */
(function (root) {
  "use strict";

  class FilterError extends Error {}

  function fmt(template, values) {
    return template.replace(/\{(\w+)(!r)?\}/g, (m, key, repr) =>
      key in values ? (repr ? "'" + values[key] + "'" : String(values[key])) : m);
  }

  function foldText(value) {
    return (value || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().split(/\s+/).filter(Boolean)
      .join(" ");
  }

  function fold(value) {
    return (value || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  function words(value) {
    return fold(value).match(/[\p{L}\p{N}_]+/gu) || [];
  }

  // -- values as people write them (trails/filter_params.py) -------------------------------------------
  function parseDuration(index, value) {
    const text = String(value).trim().toLowerCase();
    let m = /^(\d+)\s*(?:min|mn|m)?$/.exec(text);
    if (m) return parseInt(m[1], 10);
    m = /^(\d+):([0-5]\d)$/.exec(text);
    if (m) return parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
    m = /^(\d+(?:[.,]\d+)?)\s*h(?:\s*(\d{1,2})\s*(?:min|mn|m)?)?$/.exec(text);
    if (m && parseInt(m[2] || "0", 10) < 60) {
      return roundHalfEven(parseFloat(m[1].replace(",", ".")) * 60) + parseInt(m[2] || "0", 10);
    }
    throw new FilterError(fmt(index.msg.bad_duration, {value: value}));
  }

  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  function parseNumber(index, value, what, unit) {
    let text = String(value).trim().toLowerCase();
    if (text.endsWith(unit)) text = text.slice(0, -unit.length);
    text = text.trim().replace(",", ".");
    const number = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text) ? parseFloat(text) : NaN;
    if (!(number >= 0) || number === Infinity) {
      throw new FilterError(fmt(index.msg.bad_number, {what: index.msg["what_" + what], value: value, unit: unit}));
    }
    return number;
  }

  function slugOf(text) {
    return foldText(text).replace(/[\s\-']+/g, "_");
  }

  function codesOf(index, values, key) {
    const aliases = index.aliases[key];
    const codes = [];
    for (const value of values) {
      const code = aliases[slugOf(value)];
      if (code === undefined) {
        throw new FilterError(fmt(index.msg.unknown_code, {what: index.msg["what_" + key], value: value,
          choices: index.vocabulary[key].join(", ")}));
      }
      if (!codes.includes(code)) codes.push(code);
    }
    return codes;
  }

  function paramValues(params, key) {
    const out = [];
    for (const raw of params.getAll(key)) {
      for (const part of raw.split(",")) {
        const v = part.trim();
        if (v && !out.includes(v)) out.push(v);
      }
    }
    return out;
  }

  function paramValue(params, key) {
    const values = params.getAll(key).map((v) => v.trim()).filter(Boolean);
    return values.length ? values[values.length - 1] : null;
  }

  function parseFlag(value, error) {
    if (value === null) return false;
    const v = value.toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off", "all"].includes(v)) return false;
    throw new FilterError(error);
  }

  function findTown(index, text) {
    const key = words(foldText(text)).join(" ");
    if (!key) throw new FilterError(index.msg.town_empty);
    const towns = index.towns;
    if (towns[key]) return towns[key];
    const keys = Object.keys(towns);
    const w = key.split(" ");
    for (const found of [keys.filter((k) => k.startsWith(key + " ")),
      keys.filter((k) => w.every((x) => k.split(" ").includes(x))),
      keys.filter((k) => k.startsWith(key))]) {
      if (found.length === 1) return towns[found[0]];
      if (found.length) {
        const names = found.map((k) => towns[k][0]).sort();
        throw new FilterError(fmt(index.msg.town_several, {text: text,
          names: names.slice(0, 5).join(", ") + (names.length > 5 ? ", …" : "")}));
      }
    }
    // the server may add "did you mean" names (difflib); the script always gives the general advice
    throw new FilterError(fmt(index.msg.town_unknown, {text: text}) + index.msg.town_choose);
  }

  // -- the filters, in the server's canonical order (FilterSet.from_params) ----------------------------
  function parseFilters(index, params) {
    const found = [];
    const ranges = [["duration", "min_duration", "max_duration"], ["length", "min_length_km", "max_length_km"],
      ["ascent", "min_ascent", "max_ascent"]];
    for (const [key, lowKey, highKey] of ranges) {
      const lo = paramValue(params, lowKey), hi = paramValue(params, highKey);
      if (lo || hi) {
        const read = (v) => key === "duration" ? parseDuration(index, v) :
          parseNumber(index, v, key, key === "length" ? "km" : "m");
        const low = lo ? read(lo) : null, high = hi ? read(hi) : null;
        if (low !== null && high !== null && low > high) throw new FilterError(index.msg.range_swapped);
        found.push({key: key, low: low, high: high});
      }
    }
    let values = paramValues(params, "difficulty");
    if (values.length) found.push({key: "difficulty", values: codesOf(index, values, "difficulty")});
    values = paramValues(params, "theme");
    if (values.length) found.push({key: "theme", values: values});
    values = paramValues(params, "practice");
    if (values.length) found.push({key: "practice", values: codesOf(index, values, "practice")});
    let routes = codesOf(index, paramValues(params, "route_type"), "route_type");
    if (parseFlag(paramValue(params, "loop"), index.msg.bad_loop) && !routes.includes("loop")) {
      routes = routes.concat(["loop"]);
    }
    if (routes.length) found.push({key: "route_type", values: routes});
    values = paramValues(params, "accessibility");
    if (values.length) found.push({key: "accessibility", values: codesOf(index, values, "accessibility")});
    const near = paramValue(params, "near"), town = paramValue(params, "town"), radius = paramValue(params, "radius_km");
    const radiusKm = radius ? parseNumber(index, radius, "radius", "km") : 10;
    if (near && town) throw new FilterError(index.msg.near_and_town);
    if (near || town) {
      let lat, lon, name = "";
      if (near) {
        const parts = near.replace(";", ",").split(",");
        const ok = parts.length === 2 && parts.every((p) => /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(p));
        if (!ok) throw new FilterError(index.msg.bad_near);
        [lat, lon] = parts.map(parseFloat);
      } else {
        [name, lon, lat] = findTown(index, town);
      }
      if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) throw new FilterError(index.msg.bad_near);
      if (!(radiusKm > 0)) throw new FilterError(index.msg.bad_radius);
      found.push({key: "near", lat: lat, lon: lon, radius_km: radiusKm, town: name});
    } else if (radius) {
      throw new FilterError(index.msg.radius_alone);
    }
    const q = paramValue(params, "q");
    if (q && words(q).length) found.push({key: "q", query: q, tokens: words(q)});
    return found;
  }

  // -- matching ------------------------------------------------------------------------------------------
  const T = {id: 0, name: 1, shown: 2, commune: 3, duration: 4, length: 5, ascent: 6, difficulty: 7,
    practice: 8, route: 9, themes: 10, access: 11, lon: 12, lat: 13, text: 14, rank: 15};

  function matches(index, t, f) {
    switch (f.key) {
      case "duration": return between(t[T.duration], f.low, f.high);
      case "length": return between(t[T.length], f.low === null ? null : f.low * 1000, f.high === null ? null : f.high * 1000);
      case "ascent": return between(t[T.ascent], f.low, f.high);
      case "difficulty": return f.values.includes(index.codes.difficulty[t[T.difficulty]]);
      case "practice": return f.values.includes(index.codes.practice[t[T.practice]]);
      case "route_type": return f.values.includes(index.codes.route_type[t[T.route]]);
      case "theme": return t[T.themes].some((i) => f.values.includes(index.codes.theme[i]));
      case "accessibility": return f.values.every((v) => t[T.access].some((i) => index.codes.accessibility[i] === v));
      case "near": return t[T.lon] !== null && geodesic(t[T.lon], t[T.lat], f.lon, f.lat) <= f.radius_km * 1000;
      case "q": return f.tokens.every((token) => index.words[t.row].includes(token));
      default: return true;
    }
  }

  function between(value, low, high) {
    return (low === null || value >= low) && (high === null || value <= high);
  }

  // Vincenty's inverse formula on the WGS84 ellipsoid (the server uses pyproj.Geod: the same to < 1 mm
  // at the distances of a catalogue filter).
  function geodesic(lon1, lat1, lon2, lat2) {
    const a = 6378137, f = 1 / 298.257223563, b = a * (1 - f), rad = Math.PI / 180;
    const L = (lon2 - lon1) * rad;
    const U1 = Math.atan((1 - f) * Math.tan(lat1 * rad)), U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
    const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    let lambda = L, prev, sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, iterations = 0;
    do {
      const sinLambda = Math.sin(lambda), cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt((cosU2 * sinLambda) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) ** 2);
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      const sinAlpha = cosU1 * cosU2 * sinLambda / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha ? cosSigma - 2 * sinU1 * sinU2 / cosSqAlpha : 0;
      const C = f / 16 * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      prev = lambda;
      lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma *
        (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - prev) > 1e-12 && ++iterations < 200);
    const uSq = cosSqAlpha * (a * a - b * b) / (b * b);
    const A = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    const B = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    const deltaSigma = B * sinSigma * (cos2SigmaM + B / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
      B / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return b * A * (sigma - deltaSigma);
  }

  // -- search: the page, the total, the facets (trails/filter_index.py) --------------------------------
  const FACETS = ["difficulty", "theme", "duration", "practice", "route_type", "accessibility"];
  const SORTS = {name: null, duration: T.duration, length: T.length, ascent: T.ascent};

  function bucketOf(index, minutes) {
    for (let i = 0; i < index.buckets.length - 1; i++) if (minutes < index.buckets[i][2]) return i;
    return index.buckets.length - 1;
  }

  function search(index, params, pageSize) {
    if (typeof params === "string") params = new URLSearchParams(params);
    index.trails.forEach((t, i) => { t.row = i; });
    const filters = parseFilters(index, params);
    const sort = params.get("sort") || "name";
    if (!(sort.replace(/^-/, "") in SORTS)) {
      throw new FilterError(fmt(index.msg.bad_sort, {sort: sort, choices: Object.keys(SORTS).join(", ")}));
    }
    const rawPage = params.get("page") || "1";
    if (!/^\d+$/.test(rawPage) || parseInt(rawPage, 10) < 1) {
      throw new FilterError(fmt(index.msg.bad_page, {value: rawPage}));
    }
    const page = parseInt(rawPage, 10);
    const trails = index.trails;
    const masks = filters.map((f) => trails.map((t) => matches(index, t, f)));
    const combined = (skip) => trails.map((t, i) => masks.every((m, j) => filters[j].key === skip || m[i]));
    const selected = combined(null);
    const desc = sort.startsWith("-"), column = SORTS[sort.replace(/^-/, "")];
    const order = trails.map((t, i) => i).sort((i, j) => {
      const a = trails[i], b = trails[j];
      if (column !== null && a[column] !== b[column]) return (a[column] < b[column] ? -1 : 1) * (desc ? -1 : 1);
      return (a[T.rank] - b[T.rank]) * (desc && column === null ? -1 : 1);
    });
    const hits = order.filter((i) => selected[i]);
    const facets = {};
    for (const facet of FACETS) {
      const mask = filters.some((f) => f.key === facet) ? combined(facet) : selected;
      const counts = {};
      trails.forEach((t, i) => {
        if (!mask[i]) return;
        let values;
        if (facet === "theme") values = t[T.themes].map((k) => index.codes.theme[k]);
        else if (facet === "accessibility") values = t[T.access].map((k) => index.codes.accessibility[k]);
        else if (facet === "duration") values = [index.buckets[bucketOf(index, t[T.duration])][0]];
        else values = [index.codes[facet][t[{difficulty: T.difficulty, practice: T.practice, route_type: T.route}[facet]]]];
        for (const v of values) counts[v] = (counts[v] || 0) + 1;
      });
      const fixed = facet === "duration" ? index.buckets.map((b) => b[0]) : facet === "theme" ? [] : index.vocabulary[facet];
      const out = new Map(fixed.map((v) => [v, counts[v] || 0]));
      Object.keys(counts).filter((v) => !out.has(v))
        .sort((x, y) => counts[y] - counts[x] || (x < y ? -1 : x > y ? 1 : 0))
        .forEach((v) => out.set(v, counts[v]));
      const chosen = filters.find((f) => f.key === facet);
      for (const v of (chosen && chosen.values) || []) if (!out.has(v)) out.set(v, 0);
      facets[facet] = Object.fromEntries(out);
    }
    const size = pageSize || index.page_size;
    return {ids: hits.slice((page - 1) * size, page * size).map((i) => trails[i][T.id]),
      rows: hits.slice((page - 1) * size, page * size).map((i) => trails[i]),
      total: hits.length, facets: facets, descriptions: describe(index, filters), page: page, sort: sort};
  }

  // -- the sentences (Filter.human) -----------------------------------------------------------------------
  function label(index, value) {
    return value in index.labels ? index.labels[value] : value;
  }

  function joined(index, values, template) {
    const names = values.map((v) => label(index, v));
    return names.length === 1 ? names[0] : fmt(template, {first: names.slice(0, -1).join(", "), last: names[names.length - 1]});
  }

  function showNumber(index, x) {
    const text = x.toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
    return index.lang === "fr" ? text.replace(".", ",") : text;
  }

  // Lengths and heights as the server's pages write them (webapp/i18n.py: format_km, format_m). Python rounds an
  // exact tie to even (2250 m: "2.2 km", 158.5 m: "158 m") where toFixed and Math.round round it up.
  function formatKm(lang, metres) {
    const x = metres / 1000;
    const tie = Number.isInteger(x * 4) && !Number.isInteger(x * 2);  // x.25 or x.75: the only exact ties at 0.1
    const text = (tie ? roundHalfEven(x * 10) / 10 : x).toFixed(1);
    return (lang === "fr" ? text.replace(".", ",") : text) + " km";
  }

  function formatMetres(metres) {
    return roundHalfEven(metres) + " m";
  }

  function plainNumber(x) {
    return String(x);
  }

  function formatDuration(minutes) {
    const hours = Math.floor(minutes / 60), mins = minutes % 60;
    if (!hours) return mins + " min";
    return mins ? hours + " h " + String(mins).padStart(2, "0") : hours + " h";
  }

  function describe(index, filters) {
    const m = index.msg;
    return filters.map((f) => {
      switch (f.key) {
        case "duration":
          if (f.low === null) return fmt(m.under_duration, {duration: formatDuration(f.high)});
          if (f.high === null) return fmt(m.duration_or_more, {duration: formatDuration(f.low)});
          return fmt(m.between_durations, {low: formatDuration(f.low), high: formatDuration(f.high)});
        case "length":
          if (f.low === null) return fmt(m.under_km, {high: showNumber(index, f.high)});
          if (f.high === null) return fmt(m.km_or_more, {low: showNumber(index, f.low)});
          return fmt(m.between_km, {low: showNumber(index, f.low), high: showNumber(index, f.high)});
        case "ascent":
          if (f.low === null) return fmt(m.ascent_under, {high: showNumber(index, f.high)});
          if (f.high === null) return fmt(m.ascent_or_more, {low: showNumber(index, f.low)});
          return fmt(m.ascent_between, {low: showNumber(index, f.low), high: showNumber(index, f.high)});
        case "difficulty": return fmt(m.difficulty_is, {values: joined(index, f.values, m.either)});
        case "theme": return fmt(m.theme_is, {values: joined(index, f.values, m.either)});
        case "practice": return fmt(m.practice_is, {values: joined(index, f.values, m.either)});
        case "route_type":
          return f.values.length === 1 && f.values[0] === "loop" ? m.loops_only :
            fmt(m.route_is, {values: joined(index, f.values, m.either)});
        case "accessibility": return joined(index, f.values, m.both);
        case "near":
          return f.town ? fmt(m.within_town, {radius: showNumber(index, f.radius_km), town: f.town}) :
            fmt(m.within_point, {radius: showNumber(index, f.radius_km), lat: plainNumber(f.lat), lon: plainNumber(f.lon)});
        case "q": return fmt(m.matching, {query: f.query.trim()});
        default: return "";
      }
    });
  }

  const core = {search: search, parseFilters: parseFilters, describe: describe, geodesic: geodesic,
    formatDuration: formatDuration, formatKm: formatKm, formatMetres: formatMetres, label: label,
    FilterError: FilterError, fmt: fmt, paramValue: paramValue, fold: fold, words: words, T: T};
  root.BaliseCatalogue = core;
  if (typeof module !== "undefined" && module.exports) module.exports = core;
  if (typeof document === "undefined") return;

  // -- the page -------------------------------------------------------------------------------------------
  const script = document.currentScript;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }
  core.el = el;  // the embed widget's script builds its list with it too (webapp/static/embed.js)

  function figure(term, value) {
    return el("div", null, el("dt", null, term), el("dd", null, value));
  }

  function render(index, form, params, root, pageUrl) {
    const m = index.msg;
    const results = document.querySelector("section.results");
    const heading = document.getElementById("results-title");
    let found;
    try {
      found = search(index, params);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      heading.textContent = m.cannot_understand;
      results.querySelectorAll("ul.results, .active-filters, nav.pagination, p.none, p.error").forEach((n) => n.remove());
      results.append(el("p", {class: "error", role: "alert"}, e.message));
      return;
    }
    heading.textContent = found.total === 1 ? m.one_trail : fmt(m.n_trails, {n: found.total});
    results.querySelectorAll("ul.results, .active-filters, nav.pagination, p.none, p.error").forEach((n) => n.remove());
    const after = results.querySelector(".to-filters");
    const parts = [];
    if (found.descriptions.length) parts.push(el("p", {class: "active-filters"}, m.filters + ": " + found.descriptions.join(" · ")));
    if (found.rows.length) {
      const list = el("ul", {class: "results"});
      for (const t of found.rows) {
        const li = el("li", null, el("h3", null, el("a", {href: root + "trails/" + t[T.id] + "/"}, t[T.shown] || t[T.name])));
        const photo = (index.photos || {})[t[T.id]];  // [path, width, height, alt]: the card's thumbnail
        if (photo) li.prepend(el("img", {class: "card-photo", src: root + photo[0], alt: photo[3], width: photo[1],
          height: photo[2], loading: "lazy", decoding: "async"}));
        if (t[T.commune]) li.append(el("p", {class: "commune"}, t[T.commune]));
        li.append(el("dl", {class: "figures"}, figure(m.fig_length, formatKm(index.lang, t[T.length])),
          figure(m.fig_duration, formatDuration(t[T.duration])),
          figure(m.fig_difficulty, label(index, index.codes.difficulty[t[T.difficulty]])),
          figure(m.fig_ascent, formatMetres(t[T.ascent]))));
        if (t[T.access].length) {
          const p = el("p", {class: "accessibility"});
          t[T.access].forEach((i) => p.append(el("span", {class: "tag"}, label(index, index.codes.accessibility[i])), " "));
          li.append(p);
        }
        if (t[T.themes].length) {
          const p = el("p", {class: "themes"}, el("span", {class: "visually-hidden"}, m.themes + ": "));
          t[T.themes].forEach((i) => p.append(el("span", {class: "tag"}, index.codes.theme[i]), " "));
          li.append(p);
        }
        if (found.descriptions.length) li.append(el("p", {class: "why"}, m.listed_because + ": " + found.descriptions.join(", ")));
        list.append(li);
      }
      parts.push(list);
    } else {
      parts.push(el("p", {class: "none"}, m.no_match));
    }
    const pages = Math.max(1, Math.ceil(found.total / index.page_size));
    if (pages > 1) {
      const nav = el("nav", {class: "pagination", "aria-label": m.pages});
      const link = (p, text, rel) => {
        const a = el("a", {href: pageUrl(p)}, text);
        if (rel) a.setAttribute("rel", rel);
        return a;
      };
      if (found.page > 1) nav.append(link(found.page - 1, m.previous, "prev"));
      for (let p = 1; p <= pages; p++) {
        if (p === found.page) nav.append(el("span", {"aria-current": "page"}, String(p)));
        else if (p === 1 || p === pages || Math.abs(p - found.page) <= 2) nav.append(link(p, String(p)));
      }
      if (found.page < pages) nav.append(link(found.page + 1, m.next, "next"));
      parts.push(nav);
    }
    after.after(...parts);
    // facet counts and choices of the form
    for (const fieldset of form.querySelectorAll("fieldset")) {
      const box = fieldset.querySelector("input[type=checkbox]");
      if (!box) continue;
      const key = box.name, chosen = params.getAll(key).flatMap((v) => v.split(","));
      fieldset.querySelectorAll("label.choice").forEach((n) => n.remove());
      for (const [value, count] of Object.entries(found.facets[key] || {})) {
        const input = el("input", {type: "checkbox", name: key, value: value});
        input.checked = chosen.includes(value);
        fieldset.append(el("label", {class: "choice"}, input, " ", el("span", null, label(index, value)), " ",
          el("span", {class: "count"}, "(" + count + ")")));
      }
    }
    const buckets = form.querySelectorAll("ul.buckets li");
    index.buckets.forEach((b, i) => {
      const count = buckets[i] && buckets[i].querySelector(".count");
      if (count) count.textContent = "(" + (found.facets.duration[b[0]] || 0) + ")";
    });
  }

  function formParams(form) {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (k !== "lang" && String(v).trim() !== "" && !(k === "sort" && v === "name")) params.append(k, v);
    }
    return params;
  }

  function start() {
    const form = document.querySelector("form[data-static-filters]");
    if (!form || !script) return;
    const root = new URL(script.dataset.root, window.location.href).href;  // before any history change
    fetch(script.dataset.index).then((r) => r.json()).then((index) => {
      form.hidden = false;
      const here = new URLSearchParams(window.location.search);
      const atRoot = script.dataset.here === "";
      const pageUrl = (params) => (p) => {
        const q = new URLSearchParams(params);
        q.delete("page");
        if (p > 1) q.set("page", String(p));
        return root + (q.toString() ? "?" + q : "");
      };
      const embedLink = document.querySelector(".embed-link a");
      const embedHelp = embedLink && embedLink.getAttribute("href").split("?")[0];
      const show = (params, push) => {
        if (paramValue(params, "q") && !index.words) {  // the words of a text search come on demand
          fetch(script.dataset.words).then((r) => r.json()).then((words) => {
            index.words = words;
            show(params, push);
          });
          return;
        }
        if (!atRoot) {  // a ready-made page (one facet): the root page filters
          window.location.href = root + (params.toString() ? "?" + params : "");
          return;
        }
        render(index, form, params, root, pageUrl(params));
        if (embedLink) {  // "Put these trails on your website": the help page starts from these filters
          const kept = new URLSearchParams([...params].filter(([k]) => !["page", "sort", "lang"].includes(k)));
          embedLink.setAttribute("href", embedHelp + (kept.toString() ? "?" + kept : ""));
        }
        if (push) history.pushState(null, "", root + (params.toString() ? "?" + params : ""));
        document.documentElement.dataset.catalogue = "ready";
      };
      if (atRoot && [...here.keys()].some((k) => k !== "lang")) show(here, false);
      else document.documentElement.dataset.catalogue = "ready";
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        show(formParams(form), true);
      });
      form.addEventListener("change", (event) => {
        if (event.target.matches("input[type=checkbox], select")) show(formParams(form), true);
      });
      document.addEventListener("click", (event) => {
        const a = event.target.closest("nav.pagination a");
        if (!a || !new URL(a.href).search) return;  // a ready-made page: just go there
        event.preventDefault();
        const params = new URL(a.href).searchParams;
        show(params, true);
        window.scrollTo(0, 0);
      });
      window.addEventListener("popstate", () => show(new URLSearchParams(window.location.search), false));
    });
  }

  start();
})(typeof globalThis !== "undefined" ? globalThis : this);
