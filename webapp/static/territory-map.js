/* The map of the territory beside the catalogue: the trailheads of the trails the list shows (same
 * filters: the page's own query string, asked from the JSON API), clustered, and switchable POI layers
 * asked for the visible area. Without JavaScript (or Leaflet) nothing here runs and the list is the page. */
(function () {
  "use strict";
  var el = document.getElementById("territory-map");
  if (!el || !window.L || !window.fetch) { return; }
  var settings = JSON.parse(el.getAttribute("data-settings"));
  el.hidden = false;
  el.dataset.state = "loading";
  var map = L.map(el, {scrollWheelZoom: false, maxZoom: 18}).setView([46.6, 2.5], 5);
  if (settings.tiles) {
    L.tileLayer(settings.tiles, {attribution: settings.attribution, maxZoom: 18}).addTo(map);
  }
  var clusters = L.markerClusterGroup ? L.markerClusterGroup({showCoverageOnHover: false}) : L.featureGroup();
  clusters.addTo(map);

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }

  function query(extra) {
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    Object.keys(extra).forEach(function (k) { params.set(k, extra[k]); });
    return params.toString();
  }

  /* Every trail matching the page's filters, 100 at a time (at most 50 pages). */
  function loadTrails(offset, found) {
    return fetch(settings.trails_api + "?" + query({limit: 100, offset: offset}))
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        found = found.concat(data.trails);
        if (found.length < data.total && data.trails.length && offset < 4900) {
          return loadTrails(offset + data.trails.length, found);
        }
        return found;
      });
  }

  loadTrails(0, []).then(function (trails) {
    var markers = [];
    trails.forEach(function (t) {
      if (!t.start) { return; }
      var marker = L.marker([t.start.lat, t.start.lon], {title: t.name, alt: t.name});
      marker.bindPopup('<a href="' + text(t.url) + '">' + text(t.name) + "</a>" +
                       (t.commune ? "<br>" + text(t.commune) : ""));
      markers.push(marker);
    });
    if (clusters.addLayers) { clusters.addLayers(markers); } else { markers.forEach(function (m) { clusters.addLayer(m); }); }
    if (markers.length) { map.fitBounds(clusters.getBounds(), {padding: [20, 20], maxZoom: 13}); }
    el.dataset.trails = String(markers.length);
    el.dataset.state = "ready";
  }).catch(function () {  /* no API here (a static copy without it): the list alone, as without JavaScript */
    el.dataset.state = "failed";
    el.hidden = true;
  });

  /* POI layers: asked for the visible area when switched on and when the map moves. */
  var layers = {};
  var overlays = {};
  settings.layers.forEach(function (layer) {
    layers[layer.key] = {group: L.layerGroup(), categories: layer.categories, on: false};
    overlays[layer.label] = layers[layer.key].group;
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);

  function refresh(key) {
    var layer = layers[key];
    if (!layer.on) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    Promise.all(layer.categories.map(function (c) {
      return fetch(settings.pois_api + "?" + new URLSearchParams({bbox: bbox, category: c, limit: 200}).toString())
        .then(function (r) { return r.ok ? r.json() : {features: []}; });
    })).then(function (answers) {
      layer.group.clearLayers();
      answers.forEach(function (data) {
        (data.features || []).forEach(function (f) {
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], {radius: 6, weight: 1, className: "poi-layer poi-" + key})
            .bindPopup('<a href="' + text(settings.poi_url.replace("{id}", f.id)) + '">' + text(f.properties.name) + "</a>")
            .addTo(layer.group);
        });
      });
      el.dataset["layer" + key.charAt(0).toUpperCase() + key.slice(1)] = String(layer.group.getLayers().length);
    });
  }

  map.on("overlayadd overlayremove", function (event) {
    Object.keys(layers).forEach(function (key) {
      if (layers[key].group === event.layer) {
        layers[key].on = event.type === "overlayadd";
        refresh(key);
      }
    });
  });
  map.on("moveend", function () { Object.keys(layers).forEach(refresh); });
})();
