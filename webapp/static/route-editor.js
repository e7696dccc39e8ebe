/* The editor's routing page (/editor/trails/route), enhanced: a map of the POIs in view, a click on a
 * marker adds its POI at the end of the chosen list, and the list's items can be dragged to reorder them.
 * Both only edit the form (one hidden "poi" input per item, in order; the up/down/remove buttons are
 * renumbered), which is then sent as without JavaScript. Without JavaScript, or without Leaflet for the map,
 * nothing here runs and the search, add, move and remove buttons do the same work through the server. */
(function () {
  "use strict";
  var list = document.getElementById("route-chosen");
  var template = document.getElementById("route-item");
  var mapEl = document.getElementById("route-map");
  if (!list || !template || !("content" in template) || !mapEl) { return; }
  var settings = JSON.parse(mapEl.getAttribute("data-settings"));
  var none = document.getElementById("route-none");
  var status = document.getElementById("route-status");

  function say(message, values) {
    Object.keys(values || {}).forEach(function (k) { message = message.split("{" + k + "}").join(values[k]); });
    if (status) { status.textContent = message; }
  }

  function items() { return Array.prototype.slice.call(list.children); }

  /* Buttons name their item by index ("up:2"): after any change they follow the new order. */
  function renumber() {
    var all = items();
    all.forEach(function (li, i) {
      li.draggable = true;
      li.querySelectorAll('button[name="action"]').forEach(function (button) {
        var verb = button.value.split(":")[0];
        button.value = verb + ":" + i;
        if (verb === "up") { button.disabled = i === 0; }
        if (verb === "down") { button.disabled = i === all.length - 1; }
      });
    });
    if (none) { none.hidden = all.length > 0; }
  }

  function add(id, name) {
    if (items().length >= settings.max_pois) { say(settings.full); return; }
    var li = template.content.firstElementChild.cloneNode(true);
    li.querySelector('input[name="poi"]').value = String(id);
    li.querySelector(".name").textContent = name;
    list.appendChild(li);
    renumber();
    say(settings.added, {name: name});
  }

  /* Drag and drop: an item dropped on another takes its place (the others shift by one). */
  var dragged = null;
  list.addEventListener("dragstart", function (e) {
    var li = e.target.closest && e.target.closest("li");
    if (!li || li.parentNode !== list) { return; }
    dragged = li;
    li.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", li.querySelector(".name").textContent);
  });
  list.addEventListener("dragover", function (e) {
    if (dragged) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }
  });
  list.addEventListener("drop", function (e) {
    var target = e.target.closest && e.target.closest("li");
    if (!dragged || !target || target.parentNode !== list) { return; }
    e.preventDefault();
    if (target !== dragged) {
      var all = items();
      var downwards = all.indexOf(dragged) < all.indexOf(target);
      list.insertBefore(dragged, downwards ? target.nextSibling : target);
      renumber();
      say(settings.moved, {name: dragged.querySelector(".name").textContent,
                           n: items().indexOf(dragged) + 1});
    }
  });
  list.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
  });
  renumber();

  /* The map: the POIs of the area in view (at most settings.limit), asked again after each move. */
  if (!window.L || !window.fetch) { return; }
  var section = document.getElementById("route-map-section");
  var note = document.getElementById("route-map-note");
  if (section) { section.hidden = false; }
  var map = L.map(mapEl, {maxZoom: 19, scrollWheelZoom: false});
  if (settings.tiles) {
    L.tileLayer(settings.tiles, {attribution: settings.attribution, maxZoom: 19}).addTo(map);
  }
  var markers = L.layerGroup().addTo(map);
  var asked = 0;

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  function load() {
    var b = map.getBounds();
    var box = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
               clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
    var ask = ++asked;
    mapEl.dataset.state = "loading";
    fetch(settings.api + "?limit=" + settings.limit + "&bbox=" + box.map(function (n) { return n.toFixed(6); }).join(","))
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (ask !== asked) { return; }  /* an older answer, after a newer move */
        markers.clearLayers();
        data.features.forEach(function (f) {
          var name = f.properties.name;
          var marker = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]],
                                {title: name, alt: name, keyboard: true});
          marker.on("click", function () { add(f.id, name); });
          marker.on("keypress", function (e) {  /* the marker is a focusable button: Enter or Space adds too */
            var key = e.originalEvent.key;
            if (key === "Enter" || key === " ") { e.originalEvent.preventDefault(); add(f.id, name); }
          });
          markers.addLayer(marker);
        });
        if (note) {
          note.hidden = data.features.length < settings.limit;
          note.textContent = settings.capped;
        }
        mapEl.dataset.pois = String(data.features.length);
        mapEl.dataset.state = "ready";
      })
      .catch(function () { mapEl.dataset.state = "failed"; });
  }

  var bounds = settings.bounds;
  if (bounds) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], {padding: [20, 20], maxZoom: 17});
  } else {
    map.setView([46.6, 2.5], 5);
  }
  map.on("moveend", load);
  load();
}());
