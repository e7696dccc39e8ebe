/* The bundle's proximity engine (templates/bundle/engine.js) under Node's test runner, no browser:
 *   node --test tests/js/
 * The same file runs in Chromium (tests/browser/test_engine.py). Fixes are given as
 * [east_m, north_m, accuracy_m, t_s] around a base point. */
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const E = require(path.join(__dirname, "..", "..", "templates", "bundle", "engine.js"));

const LAT0 = 44.2465, LON0 = 3.6515;
const at = (e, n) => [LAT0 + n / 111195.0, LON0 + e / (111195.0 * Math.cos(LAT0 * Math.PI / 180))];
const lonlat = ([e, n]) => { const [lat, lon] = at(e, n); return [lon, lat]; };

function run(fixes, {pois = [{id: 1, e: 0, n: 0, r: 30}], options = {}, segments = []} = {}) {
  const eng = E.create({
    pois: pois.map(p => { const [lat, lon] = at(p.e, p.n);
      return {id: p.id, lat, lon, trigger_radius_m: p.r, distance_along_m: p.along}; }),
    segments: segments.map(seg => seg.map(lonlat)), options});
  const results = fixes.map(f => {
    const [lat, lon] = at(f[0], f[1]);
    return eng.feed({latitude: lat, longitude: lon, accuracy: f[2], timestamp: 1.7e12 + f[3] * 1000});
  });
  return {eng, results, fired: results.flatMap((r, i) => r.triggers.map(t => [i, t.poi]))};
}

test("haversine distance of one degree of latitude", () => {
  assert.ok(Math.abs(E.distanceM(44, 3, 45, 3) - 111195) < 1);
});

test("a fix worse than the accuracy limit is ignored", () => {
  const {results, fired} = run([[0, 0, 80, 0], [0, 0, 80, 5]]);
  assert.deepEqual(results.map(r => r.reason), ["inaccurate", "inaccurate"]);
  assert.deepEqual(fired, []);
  assert.deepEqual(run([[0, 0, 80, 0]], {options: {accuracyMaxM: 100}}).fired, [[0, 1]]);
});

test("one fix well inside fires at once, two fixes inside otherwise", () => {
  assert.deepEqual(run([[5, 0, 5, 0]]).fired, [[0, 1]]);
  assert.deepEqual(run([[60, 0, 5, 0], [25, 0, 5, 10], [20, 0, 5, 15]]).fired, [[2, 1]]);
});

test("hysteresis: the band between entry and exit neither counts nor resets", () => {
  assert.deepEqual(run([[80, 0, 5, 0], [25, 0, 5, 10], [40, 0, 5, 20], [25, 0, 5, 30]]).fired, [[3, 1]]);
  assert.deepEqual(run([[80, 0, 5, 0], [25, 0, 5, 10], [60, 0, 5, 25], [25, 0, 5, 40]]).fired, []);
});

test("a stop fires at most once until reset", () => {
  const {eng, fired} = run([[0, 0, 5, 0], [200, 0, 5, 120], [0, 0, 5, 240]]);
  assert.deepEqual(fired, [[0, 1]]);
  eng.reset([]);
  const [lat, lon] = at(0, 0);
  assert.equal(eng.feed({latitude: lat, longitude: lon, accuracy: 5, timestamp: 1.7e12 + 400e3}).triggers.length, 1);
});

test("a jump is an outlier until consistent fixes confirm it", () => {
  const {results, fired} = run([[1000, 0, 5, 0], [0, 0, 5, 2], [1000, 0, 5, 4], [0, 0, 5, 6], [0, 3, 5, 8],
    [0, 0, 5, 10]]);
  assert.deepEqual(results.map(r => r.reason), ["anchor", "jump", "ok", "jump", "jump", "anchor"]);
  assert.deepEqual(fired, [[5, 1]]);
});

test("out-of-order and duplicate timestamps are ignored", () => {
  const {results} = run([[500, 0, 5, 10], [0, 0, 5, 5], [500, 0, 5, 10]]);
  assert.deepEqual(results.map(r => r.reason), ["anchor", "stale", "stale"]);
});

test("off trail after three fixes and 20 s beyond 60 m; back within 40 m clears it", () => {
  const {results} = run([[0, 0, 5, 0], [70, 0, 5, 10], [75, 5, 5, 15], [80, 10, 5, 20], [80, 15, 5, 30],
    [30, 20, 5, 40]], {pois: [], segments: [[[0, -500], [0, 500]]]});
  assert.deepEqual(results.map(r => r.offTrail), [false, false, false, false, true, false]);
  assert.ok(Math.abs(results[0].position.along_m - 500) < 1);
});

test("the next stop is the nearest one ahead along the trail", () => {
  const pois = [{id: 1, e: 10, n: 200, r: 30, along: 200}, {id: 2, e: 10, n: 700, r: 30, along: 700}];
  const {eng} = run([[0, 100, 5, 0]], {pois, segments: [[[0, 0], [0, 1000]]]});
  assert.deepEqual(eng.ahead().map(a => [a.id, Math.round(a.remaining_m)]), [[1, 100], [2, 600]]);
});

// -- segments and the gaps between them ---------------------------------------------------------
// Two segments 1 km long, the second starting 600 m east of the first's end: the gap is not walked.
const TWO = [[[0, 0], [0, 1000]], [[600, 1000], [600, 2000]]];

test("the gap between two segments adds nothing to the length or the distance along", () => {
  const line = new E.Line(TWO.map(seg => seg.map(lonlat)));
  assert.ok(Math.abs(line.lengthM - 2000) < 2, String(line.lengthM));
  const [lat, lon] = at(600, 1500);
  assert.ok(Math.abs(line.project(lat, lon).along_m - 1500) < 2);
  const [lat2, lon2] = at(0, 1000);
  assert.ok(Math.abs(line.project(lat2, lon2).along_m - 1000) < 2);
});

test("a walker in the middle of the gap is off the trail, not on it", () => {
  const line = new E.Line(TWO.map(seg => seg.map(lonlat)));
  const [lat, lon] = at(300, 1000);  // on the straight line joining the segments
  assert.ok(line.project(lat, lon).distance_m > 250, String(line.project(lat, lon).distance_m));
  const {results} = run([[300, 1000, 5, 0], [300, 1005, 5, 10], [300, 1010, 5, 20], [300, 1015, 5, 30]],
    {pois: [], segments: TWO});
  assert.equal(results[3].offTrail, true);
});

test("progress on the second segment counts only what is walked", () => {
  const {eng} = run([[600, 1200, 5, 0]], {pois: [], segments: TWO});
  assert.ok(Math.abs(eng.alongM - 1200) < 2, String(eng.alongM));
});

test("pointAt gives the point at a distance along, never in a gap", () => {
  const line = new E.Line(TWO.map(seg => seg.map(lonlat)));
  const [lon, lat] = line.pointAt(1500);
  const [elat, elon] = at(600, 1500);
  assert.ok(E.distanceM(lat, lon, elat, elon) < 2);
  const [lon0, lat0] = line.pointAt(0);
  assert.ok(E.distanceM(lat0, lon0, LAT0, LON0) < 1);
});

test("a one-point segment is measured as a point; an empty trail gives no projection", () => {
  const line = new E.Line([[lonlat([0, 0])]]);
  const [lat, lon] = at(30, 40);
  assert.ok(Math.abs(line.project(lat, lon).distance_m - 50) < 0.5);
  assert.equal(new E.Line([]).project(LAT0, LON0), null);
});

test("a stop fires around its trigger point, not around the POI", () => {
  // the POI is 120 m east of a north-south trail; its trigger point is on the trail, radius 50 m
  const [plat, plon] = at(120, 0), [tlat, tlon] = at(0, 0);
  const eng = E.create({segments: [[lonlat([0, -500]), lonlat([0, 500])]],
    pois: [{id: 7, lat: plat, lon: plon, trigger_radius_m: 30,
      trigger: {lon: tlon, lat: tlat, radius_m: 50, on_trail: true, along_m: 500}}]});
  const fired = [];
  for (let n = -200, s = 0; n <= 200; n += 5, s += 4) {
    const [lat, lon] = at(0, n);
    eng.feed({latitude: lat, longitude: lon, accuracy: 5, timestamp: 1.7e12 + s * 1000}).triggers
      .forEach(t => fired.push([n, t.poi, t.distance_m]));
  }
  assert.equal(fired.length, 1);
  assert.equal(fired[0][1], 7);
  assert.ok(Math.abs(fired[0][0]) <= 50 && fired[0][2] <= 50, JSON.stringify(fired));
  assert.deepEqual(eng.ahead(), []);
});

// -- stretches without fixes (screen locked) ----------------------------------------------------
function walkNorth(eng, from, to, t0, {step = 5, every = 4} = {}) {
  const out = {fired: [], missed: [], t: t0};
  for (let n = from; n <= to; n += step, out.t += every) {
    const [lat, lon] = at(0, n);
    const r = eng.feed({latitude: lat, longitude: lon, accuracy: 6, timestamp: 1.7e12 + out.t * 1000});
    r.triggers.forEach(tr => out.fired.push(tr.poi));
    r.missed.forEach(id => out.missed.push(id));
  }
  return out;
}
const LINE = [[lonlat([0, 0]), lonlat([0, 2000])]];
const STOPS = [200, 700, 900, 1400].map((n, i) => {
  const [lat, lon] = at(0, n);
  return {id: i + 1, lat, lon, trigger_radius_m: 30, distance_along_m: n};
});

test("stops passed during a stretch without fixes are missed, not fired late; the rest fire", () => {
  const eng = E.create({segments: LINE, pois: STOPS});
  const a = walkNorth(eng, 0, 500, 0);
  const gap = 6 * 60;  // six minutes without a fix: 500 m -> 1000 m, past stops 2 and 3
  const b = walkNorth(eng, 1000, 1600, a.t + gap);
  assert.deepEqual(a.fired, [1]);
  assert.deepEqual(b.missed, [2, 3]);
  assert.deepEqual(b.fired, [4]);
  assert.deepEqual(eng.triggered(), [1, 4]);
  assert.deepEqual(eng.missed(), [2, 3]);
});

test("walking back to a missed stop fires it normally", () => {
  const eng = E.create({segments: LINE, pois: STOPS});
  const a = walkNorth(eng, 0, 500, 0);
  const b = walkNorth(eng, 1000, 1050, a.t + 360);
  assert.deepEqual(b.missed, [2, 3]);
  const back = [];
  for (let n = 1050, t = b.t; n >= 880; n -= 5, t += 4) {
    const [lat, lon] = at(0, n);
    eng.feed({latitude: lat, longitude: lon, accuracy: 6, timestamp: 1.7e12 + t * 1000}).triggers
      .forEach(tr => back.push(tr.poi));
  }
  assert.deepEqual(back, [3]);
  assert.deepEqual(eng.missed(), [2]);
  assert.deepEqual(eng.triggered(), [1, 3]);
});

test("a short pause, or standing still while the screen is off, misses nothing", () => {
  const eng = E.create({segments: LINE, pois: STOPS});
  const a = walkNorth(eng, 0, 600, 0);
  const b = walkNorth(eng, 610, 800, a.t + 600);  // ten minutes in a café at 600 m
  assert.deepEqual(b.missed, []);
  assert.deepEqual(b.fired, [2]);
  const eng2 = E.create({segments: LINE, pois: STOPS});
  const c = walkNorth(eng2, 0, 650, 0);
  const d = walkNorth(eng2, 720, 760, c.t + 20);  // 20 s without fixes: under gapS
  assert.deepEqual(d.missed, []);
});
