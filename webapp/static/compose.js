/* The loops of /compose on a map: progressive enhancement. Without JavaScript (or Leaflet) the list of
   variants with their figures and stops is the page; with them, #compose-map shows each variant's line
   (numbered like the list) and its heritage stops. Hovering or focusing a variant in the list brings its line forward. */
(function () {
  "use strict";
  var el = document.getElementById("compose-map");
  if (!el || !window.L) return;
  var data = JSON.parse(el.getAttribute("data-map"));
  if (!data.loops.length) return;
  el.hidden = false;
  var map = L.map(el, {scrollWheelZoom: false, maxZoom: 18});
  if (data.tiles) L.tileLayer(data.tiles, {attribution: data.attribution, maxZoom: 18}).addTo(map);
  var colours = ["#b3261e", "#1d5fa8", "#2e7d32"];
  var bounds = L.latLngBounds([[data.start.lat, data.start.lon]]);
  var lines = data.loops.map(function (loop, i) {
    var latlngs = loop.coordinates.map(function (c) { return [c[1], c[0]]; });
    var line = L.polyline(latlngs, {color: colours[i % colours.length], weight: i ? 3 : 5, opacity: 0.85}).addTo(map);
    line.bindTooltip(String(i + 1));
    bounds.extend(line.getBounds());
    loop.stops.forEach(function (s) {
      L.circleMarker([s.lat, s.lon], {radius: 5, color: colours[i % colours.length]}).bindTooltip(s.name).addTo(map);
    });
    return line;
  });
  L.marker([data.start.lat, data.start.lon], {title: data.start.label}).addTo(map);
  map.fitBounds(bounds, {padding: [12, 12]});
  el.dataset.state = "ready";
  el.dataset.loops = String(lines.length);
  document.querySelectorAll("[data-loop]").forEach(function (item) {
    function focus() {
      var line = lines[Number(item.dataset.loop)];
      lines.forEach(function (l) { l.setStyle({weight: 3}); });
      if (line) { line.setStyle({weight: 6}); line.bringToFront(); }
    }
    item.addEventListener("mouseenter", focus);
    item.addEventListener("focusin", focus);
  });
})();
