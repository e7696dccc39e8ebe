/* Balise offline map: the trail's corridor drawn from the bundle's own data, nothing from the network.
 * Registers one factory on window.BaliseBaseLayers (see app.js). data.map is "map.json" (bundle folder:
 * fetched, so the service worker answers offline) or the map object itself (trail.html, everything inlined):
 *   styles:   [{kind, area, casing, ...Leaflet path options}] in drawing order
 *   features: [[style index, parts]]: a line part is [x0, y0, dx1, dy1, ...] in integers of
 *             10^-precision degree (x = lon, y = lat); an area part is a polygon, a list of such rings
 *   tiles:    {url, min_zoom, max_zoom, keys: ["z/x/y", ...], inline?: {"z/x/y": "data:..."}} or null:
 *             only the listed tiles exist (the corridor's), so no other tile is ever requested.
 * With both tiles and vector data, the tiles show first and a layers control switches to the vectors.
 * window.BaliseBasemap = {ready: Promise, vector, tiles, features} for tests and other scripts. */
(function () {
  "use strict";

  var state = window.BaliseBasemap = {ready: null, vector: null, tiles: null, features: 0};

  // [lon, lat] integers (delta-encoded) -> Leaflet [lat, lon]: the basemap's one axis swap.
  function decode(values, scale) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < values.length; i += 2) {
      x += values[i];
      y += values[i + 1];
      out.push([y / scale, x / scale]);
    }
    return out;
  }

  function vectorLayer(L, map, doc) {
    var scale = Math.pow(10, doc.precision || 5);
    var renderer = L.canvas({pane: "baliseBasemap", padding: 0.5});
    var group = L.layerGroup();
    if (doc.corridor) {  // where the map stops: the corridor, a little lighter than outside
      L.polygon(doc.corridor.map(function (poly) { return poly.map(function (r) { return decode(r, scale); }); }),
        {renderer: renderer, interactive: false, stroke: true, color: "#b9b4a6", weight: 1, fillColor: "#f7f5ef",
          fillOpacity: 1}).addTo(group);
    }
    var byStyle = doc.styles.map(function () { return []; });
    doc.features.forEach(function (f) {
      var parts = f[1].map(function (part) {
        return doc.styles[f[0]].area ? part.map(function (ring) { return decode(ring, scale); })
          : decode(part, scale);
      });
      Array.prototype.push.apply(byStyle[f[0]], parts);
      state.features += 1;
    });
    function options(style, extra) {
      var o = {renderer: renderer, interactive: false, lineCap: "round", lineJoin: "round"};
      Object.keys(style).forEach(function (k) {
        if (k !== "kind" && k !== "area" && k !== "casing") { o[k] = style[k]; }
      });
      Object.keys(extra || {}).forEach(function (k) { o[k] = extra[k]; });
      return o;
    }
    // Areas and water first, then the casings of every road under the roads, then the rest on top.
    var firstCased = doc.styles.findIndex(function (s) { return s.casing; });
    doc.styles.forEach(function (style, i) {
      if (firstCased !== -1 && i === firstCased) {
        doc.styles.forEach(function (s, j) {
          if (s.casing && byStyle[j].length) {
            L.polyline(byStyle[j], options(s, {color: s.casing, weight: (s.weight || 1) + 2, dashArray: null}))
              .addTo(group);
          }
        });
      }
      if (!byStyle[i].length) { return; }
      (style.area ? L.polygon : L.polyline)(byStyle[i], options(style)).addTo(group);
    });
    return group;
  }

  function tileLayer(L, doc) {
    var t = doc.tiles, have = {};
    t.keys.forEach(function (k) { have[k] = true; });
    var b = doc.bounds;
    var Layer = L.TileLayer.extend({
      getTileUrl: function (c) {
        var key = c.z + "/" + c.x + "/" + c.y;
        return t.inline ? t.inline[key] : L.Util.template(t.url, {z: c.z, x: c.x, y: c.y});
      },
      _isValidTile: function (c) {  // only the corridor's tiles exist: ask for nothing else
        return L.TileLayer.prototype._isValidTile.call(this, c) && have[c.z + "/" + c.x + "/" + c.y] === true;
      }
    });
    return new Layer("", {minNativeZoom: t.min_zoom, maxNativeZoom: t.max_zoom, maxZoom: 19,
      bounds: [[b[1], b[0]], [b[3], b[2]]], className: "balise-tiles", crossOrigin: false});
  }

  function showCredits(doc) {
    var note = document.getElementById("map-note");
    if (note) {
      var messages = JSON.parse(document.getElementById("balise-messages").textContent);
      var lang = messages[document.documentElement.lang] ? document.documentElement.lang : "fr";
      note.setAttribute("data-i18n", "map_note_corridor");
      note.textContent = messages[lang].map_note_corridor;
    }
    var box = document.getElementById("map-credits");
    if (box && doc.attribution && doc.attribution.length) {
      document.getElementById("map-credits-text").textContent = doc.attribution.join(" · ");
      box.hidden = false;
    }
  }

  function draw(L, map, doc) {
    if (!map.getPane("baliseBasemap")) {
      var pane = map.createPane("baliseBasemap");
      pane.style.zIndex = 250;  // above the tiles (200), under the trail and stops (400)
      pane.style.pointerEvents = "none";
    }
    var vector = doc.features.length ? vectorLayer(L, map, doc) : null;
    var tiles = doc.tiles && doc.tiles.keys.length ? tileLayer(L, doc) : null;
    state.vector = vector;
    state.tiles = tiles;
    (tiles || vector).addTo(map);
    if (tiles && vector) {
      var named = {};
      named[doc.tiles.name || "Tiles"] = tiles;
      named["OpenStreetMap"] = vector;
      L.control.layers(named, null, {collapsed: true, position: "topright"}).addTo(map);
    }
    showCredits(doc);
    return doc;
  }

  (window.BaliseBaseLayers = window.BaliseBaseLayers || []).push(function (L, map, data) {
    if (!data.map) { return null; }
    var load = typeof data.map === "string"
      ? fetch(data.map).then(function (r) {
        if (!r.ok) { throw new Error(data.map + ": HTTP " + r.status); }
        return r.json();
      })
      : Promise.resolve(data.map);
    state.ready = load.then(function (doc) { return draw(L, map, doc); });
    state.ready.catch(function (e) { console.error(e); });
    return null;
  });
}());
