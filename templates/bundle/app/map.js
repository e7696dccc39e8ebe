/* Balise walker's app, module 2 of 6: the Leaflet map (trace, stops, the walker's position).
 * Hook for offline base maps (vector tiles, MBTiles): a script loaded before the app pushes
 * functions (L, map, data) -> layer onto window.BaliseBaseLayers; or call balise.addBaseLayer(layer). */
(function (B) {
  "use strict";

  var map = null, markers = {}, position = {marker: null, circle: null};

  B.addBaseLayer = function (layer) {
    if (map) { layer.addTo(map); if (layer.bringToBack) { layer.bringToBack(); } }
  };

  function markerStyle(id) {
    var state = B.stopState(id), s = B.stopById[String(id)];
    var fill = state === "triggered" ? "#15803d" : state === "missed" ? "#b45309" : "#1d4ed8";
    if (s && s.kind === "service") {  // help at hand: a small grey-blue dot, no number
      return {radius: 6, color: "#ffffff", weight: 2, fillOpacity: 1, fillColor: state ? fill : "#475569",
        className: "service-marker"};
    }
    return {radius: 11, color: "#ffffff", weight: 3, fillOpacity: 1, fillColor: fill};
  }

  /** Draw the map once the data is there; onStop(id) is called when a stop's marker is tapped. */
  B.initMap = function (data, onStop) {
    if (!window.L) { return null; }
    map = B.api.map = L.map("map", {attributionControl: false, zoomSnap: 0.25});
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
      var marker = L.circleMarker([s.lat, s.lon], markerStyle(s.id));
      if (s.number) {
        marker.bindTooltip(String(s.number), {permanent: true, direction: "center", className: "num-label"});
      } else { marker.bindTooltip(s.name + " — " + B.t("category:" + s.category)); }
      markers[String(s.id)] = marker.on("click", function () { onStop(s.id); }).addTo(map);
    });
    map.fitBounds(line.getBounds(), {padding: [24, 24]});
    return map;
  };

  /** Recolour one stop's marker (or all of them) after its state changed. */
  B.refreshMarker = function (id) {
    if (id == null) { Object.keys(markers).forEach(B.refreshMarker); return; }
    var m = markers[String(id)];
    if (m) { m.setStyle(markerStyle(B.stopById[String(id)] ? B.stopById[String(id)].id : id)); }
  };

  /** Show the walker's position and its accuracy circle. */
  B.showPosition = function (p) {
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
  };
}(window.BaliseApp = window.BaliseApp || {}));
