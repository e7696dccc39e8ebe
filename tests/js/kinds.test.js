/* Kinds of stop and the spacing of cards in the bundle's engine (templates/bundle/engine.js, rule 6; issue 14):
 *   node --test tests/js/
 * Fixes are [east_m, north_m, accuracy_m, t_s] around a base point; a walker goes east at 1.25 m/s. */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const E = require(path.join(__dirname, "..", "..", "templates", "bundle", "engine.js"));

const LAT0 = 44.2465, LON0 = 3.6515;
const at = (e, n) => [LAT0 + n / 111195.0, LON0 + e / (111195.0 * Math.cos(LAT0 * Math.PI / 180))];

function walk(pois, {alerts = [], options = {}, to = 600, setAlertsAt = null} = {}) {
  const eng = E.create({
    pois: pois.map(p => { const [lat, lon] = at(p.e, 0);
      return {id: p.id, lat, lon, trigger_radius_m: 25, distance_along_m: p.e, kind: p.kind, category: p.category}; }),
    segments: [[[0, 0], [to, 0]].map(([e, n]) => { const [lat, lon] = at(e, n); return [lon, lat]; })],
    alerts, options});
  const fired = [];
  for (let s = 0; s * 1.25 <= to; s += 2) {
    if (setAlertsAt && s === setAlertsAt[0]) { eng.setAlerts(setAlertsAt[1]); }
    const [lat, lon] = at(s * 1.25, 0);
    eng.feed({latitude: lat, longitude: lon, accuracy: 5, timestamp: 1.7e12 + s * 1000})
      .triggers.forEach(t => fired.push([t.poi, s]));
  }
  return {eng, fired};
}

const CHAPEL = {id: 1, e: 100, kind: "story", category: "church"};
const FOUNTAIN = {id: 2, e: 200, kind: "service", category: "water"};
const CAFE = {id: 3, e: 300, kind: "service", category: "restaurant"};
const CROSS = {id: 4, e: 450, kind: "story", category: "monument"};

test("services never fire unless the walker asked for alerts of their category", () => {
  const {eng, fired} = walk([CHAPEL, FOUNTAIN, CAFE, CROSS]);
  assert.deepEqual(fired.map(f => f[0]), [1, 4]);
  assert.deepEqual(eng.triggered(), [1, 4]);
  assert.deepEqual(eng.missed(), []);
});

test("with the water alert on, the water points fire too, and nothing else", () => {
  assert.deepEqual(walk([CHAPEL, FOUNTAIN, CAFE, CROSS], {alerts: ["water"]}).fired.map(f => f[0]), [1, 2, 4]);
  // switched on during the walk, before the fountain
  const later = walk([CHAPEL, FOUNTAIN, CAFE, CROSS], {setAlertsAt: [100, ["water", "restaurant"]]});
  assert.deepEqual(later.fired.map(f => f[0]), [1, 2, 3, 4]);
});

test("a stop without a kind is a story stop", () => {
  assert.deepEqual(walk([{id: 9, e: 100}]).fired.map(f => f[0]), [9]);
});

test("never two cards within the minimum spacing: a stop reached sooner waits, then fires", () => {
  const close = [{id: 1, e: 100, kind: "story"}, {id: 2, e: 130, kind: "story"}, {id: 3, e: 150, kind: "story"},
    {id: 4, e: 400, kind: "story"}];
  const {fired} = walk(close);
  assert.deepEqual(fired.map(f => f[0]), [1, 2, 3, 4]);  // none lost, in walking order
  for (let i = 1; i < fired.length; i++) {
    assert.ok(fired[i][1] - fired[i - 1][1] >= 45, JSON.stringify(fired));  // the bundle's spacing
  }
  // without spacing they would have come 16-24 s apart
  const loose = walk(close, {options: {minCardSpacingS: 0}}).fired;
  assert.ok(loose[1][1] - loose[0][1] < 30, JSON.stringify(loose));
});
