/* Balise proximity engine: pure (no DOM, no clock), fed GPS fixes, decides POI triggers.
 *
 * A fix is {latitude, longitude, accuracy (m), timestamp (ms)}. Time and speed are judged
 * only from the fixes' own timestamps, so a recorded walk can be replayed faster than real time.
 *
 * Rules (numbers are the defaults of DEFAULTS below):
 * 1. Accuracy: a fix claiming an accuracy worse than accuracyMaxM (50 m) is ignored.
 * 2. Jumps: a fix farther from the last accepted fix than
 *      max(jumpMinM, maxSpeedMps * dt + accuracy_last + accuracy_new)
 *    (50 m; 10 m/s, faster than any walker) is an outlier and is not used. If the walker
 *    really is there, recoverFixes (3) consecutive rejected fixes consistent with each other
 *    (same rule between them) re-anchor the track on the last of them.
 * 3. Hysteresis: a stop fires around its trigger point (trail.json: trigger {lon, lat, radius_m}, else
 *    the POI and its trigger_radius_m). Its entry radius is r; its exit radius is
 *    exitFactor * r + exitExtraM (1.5 r + 10 m). A POI triggers after enterFixes (2)
 *    consecutive accepted fixes inside r (fixes between r and the exit radius neither count
 *    nor reset), or on one fix within wellInsideFactor * r (0.35 r) that is consistent with
 *    the previous accepted fix at walking pace (walkMaxMps, 3 m/s). Leaving the exit radius
 *    resets the count. A POI triggers at most once per walk (until reset()).
 * 4. Off trail: offTrailFixes (3) consecutive accepted fixes farther than offTrailM (60 m)
 *    from the trace, spanning at least offTrailMinS (20 s), raise offTrail; a fix within
 *    offTrailBackM (40 m) clears it.
 *
 * 5. Missed: when fixes resume after gapS (30 s) or more without any (screen locked, GPS lost), the
 *    walker being on the trail (within offTrailM) before and after, the stops not yet fired whose
 *    trigger point lies on the stretch walked meanwhile (along the trail from the last fix, less the
 *    stop's radius, to the new one) and that the new fix is not inside are missed: reported once,
 *    never fired late. A missed stop still fires if the walker goes back to it.
 *
 * 6. Kinds and spacing: a stop of kind "service" (trail.json) fires only when the walker asked for
 *    alerts of its category (setAlerts(["water"])); otherwise it is never triggered nor missed. A card
 *    never opens less than minCardSpacingS (45 s, fixes' clock) after the previous one: a stop reached
 *    sooner waits in a queue and fires, one at a time, as soon as the spacing allows.
 *
 * Distances: haversine on a sphere of radius 6 371 008.8 m (the IUGG mean Earth radius);
 * distance to the trace and along it in a local equirectangular projection centred on
 * the trace (x = R cos(lat0) dlon, y = R dlat), accurate to well under 0.1 % over a circuit.
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) { module.exports = api; }
  else { root.BaliseEngine = api; }
}(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var R = 6371008.8;
  var RAD = Math.PI / 180;

  var DEFAULTS = {
    accuracyMaxM: 50,
    maxSpeedMps: 10,
    jumpMinM: 50,
    recoverFixes: 3,
    enterFixes: 2,
    wellInsideFactor: 0.35,
    walkMaxMps: 3,
    exitFactor: 1.5,
    exitExtraM: 10,
    offTrailM: 60,
    offTrailBackM: 40,
    offTrailFixes: 3,
    offTrailMinS: 20,
    gapS: 30,
    minCardSpacingS: 45
  };

  /** Great-circle distance in metres (haversine). */
  function distanceM(lat1, lon1, lat2, lon2) {
    var dLat = (lat2 - lat1) * RAD;
    var dLon = (lon2 - lon1) * RAD;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /** A trail's segments in a local metric projection, with cumulative distance along them.
   * The gap between two segments is not walked: it adds nothing to the distance along (nor to
   * lengthM) and a position is never measured against it (distance to the trail, off-trail). */
  function Line(segments) {
    var pts = [];
    var starts = [];  // index in pts of each segment's first point
    (segments || []).forEach(function (seg) {
      if (!seg || !seg.length) { return; }
      starts.push(pts.length);
      seg.forEach(function (p) { pts.push([+p[0], +p[1]]); });
    });
    var lat0 = 0, lon0 = 0;
    if (pts.length) {
      var minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
      pts.forEach(function (p) {
        minLon = Math.min(minLon, p[0]); maxLon = Math.max(maxLon, p[0]);
        minLat = Math.min(minLat, p[1]); maxLat = Math.max(maxLat, p[1]);
      });
      lat0 = (minLat + maxLat) / 2; lon0 = (minLon + maxLon) / 2;
    }
    this.kx = R * Math.cos(lat0 * RAD) * RAD;
    this.ky = R * RAD;
    this.lon0 = lon0; this.lat0 = lat0;
    var self = this;
    this.xy = pts.map(function (p) { return self.toXY(p[1], p[0]); });
    // edges [i, i + 1] within one segment (a one-point segment is the edge [i, i]): never across a gap
    this.edges = [];
    this.along = [0];
    for (var k = 0; k < starts.length; k++) {
      var first = starts[k], end = k + 1 < starts.length ? starts[k + 1] : pts.length;
      if (first > 0) { this.along[first] = this.along[first - 1]; }  // the gap: not walked
      if (end - first === 1) { this.edges.push([first, first]); }
      for (var i = first + 1; i < end; i++) {
        this.along[i] = this.along[i - 1] + distanceM(pts[i - 1][1], pts[i - 1][0], pts[i][1], pts[i][0]);
        this.edges.push([i - 1, i]);
      }
    }
    this.lengthM = pts.length ? this.along[pts.length - 1] : 0;
  }

  Line.prototype.toXY = function (lat, lon) {
    return [(lon - this.lon0) * this.kx, (lat - this.lat0) * this.ky];
  };

  /** The [lon, lat] of the point at along_m metres along the trail (null for an empty line). */
  Line.prototype.pointAt = function (alongM) {
    var xy = this.xy;
    if (!xy.length) { return null; }
    var edge = this.edges[0];
    for (var e = 0; e < this.edges.length; e++) {
      if (this.along[this.edges[e][0]] <= alongM) { edge = this.edges[e]; } else { break; }
    }
    var i = edge[0], j = edge[1];
    var len = this.along[j] - this.along[i];
    var t = len > 0 ? Math.max(0, Math.min(1, (alongM - this.along[i]) / len)) : 0;
    var x = xy[i][0] + t * (xy[j][0] - xy[i][0]), y = xy[i][1] + t * (xy[j][1] - xy[i][1]);
    return [this.lon0 + x / this.kx, this.lat0 + y / this.ky];
  };

  /** Nearest point of the line: {distance_m, along_m}. Ties (within tieM) go to the candidate
   * nearest to hintAlongM (continuity on loops and out-and-back trails), else the earliest. */
  Line.prototype.project = function (lat, lon, hintAlongM) {
    var xy = this.xy;
    if (!xy.length) { return null; }
    var p = this.toXY(lat, lon);
    var cands = [];
    var best = Infinity;
    for (var e = 0; e < this.edges.length; e++) {
      var i = this.edges[e][0], j = this.edges[e][1];
      var a = xy[i], b = xy[j];
      var dx = b[0] - a[0], dy = b[1] - a[1];
      var len2 = dx * dx + dy * dy;
      var t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
      t = Math.max(0, Math.min(1, t));
      var qx = a[0] + t * dx, qy = a[1] + t * dy;
      var d = Math.sqrt((p[0] - qx) * (p[0] - qx) + (p[1] - qy) * (p[1] - qy));
      cands.push([d, this.along[i] + t * (this.along[j] - this.along[i])]);
      if (d < best) { best = d; }
    }
    var tieM = 15;
    var chosen = null;
    cands.forEach(function (c) {
      if (c[0] > best + tieM) { return; }
      if (chosen === null) { chosen = c; return; }
      if (hintAlongM == null) {
        if (c[1] < chosen[1] && c[0] <= best + tieM) { chosen = c; }
      } else if (Math.abs(c[1] - hintAlongM) < Math.abs(chosen[1] - hintAlongM)) {
        chosen = c;
      }
    });
    return {distance_m: chosen[0], along_m: chosen[1]};
  };

  function Engine(config) {
    config = config || {};
    this.options = {};
    var key;
    for (key in DEFAULTS) { this.options[key] = DEFAULTS[key]; }
    var given = config.options || {};
    for (key in given) { if (given[key] != null) { this.options[key] = given[key]; } }
    this.line = new Line(config.segments || []);
    // A stop fires at its trigger point (trail.json's trigger: the POI, or the trail's point nearest
    // to it); without one, at the POI itself with its trigger_radius_m.
    this.pois = (config.pois || []).map(function (p) {
      var tr = p.trigger || {};
      return {id: p.id, lat: tr.lat != null ? +tr.lat : +p.lat, lon: tr.lon != null ? +tr.lon : +p.lon,
        radiusM: tr.radius_m != null ? +tr.radius_m : +p.trigger_radius_m,
        alongM: tr.along_m != null ? +tr.along_m : (p.distance_along_m == null ? null : +p.distance_along_m),
        kind: p.kind === "service" ? "service" : "story", category: p.category || ""};
    });
    this.alerts = (config.alerts || []).slice();
    this.reset(config.triggered || [], config.missed || []);
  }

  /** The service categories the walker wants to be alerted for (e.g. ["water", "toilets"]). */
  Engine.prototype.setAlerts = function (categories) {
    this.alerts = (categories || []).slice();
  };

  /** Rule 6: does this stop push a card on this walk? Story stops do; services only when asked for. */
  Engine.prototype.pushes = function (poi) {
    return poi.kind !== "service" || this.alerts.indexOf(poi.category) !== -1;
  };

  /** Forget the walk (keeping ``triggered`` and ``missed``, e.g. restored from storage). */
  Engine.prototype.reset = function (triggered, missed) {
    this.triggeredIds = (triggered || []).slice();
    this.missedIds = (missed || []).slice();
    this.anchor = null;
    this.candidates = [];
    this.counts = {};
    this.alongM = null;
    this.offCount = 0;
    this.offSince = null;
    this.offTrail = false;
    this.lastPosition = null;
    this.pending = [];       // stops reached too soon after the previous card (rule 6), in order
    this.lastCardT = null;   // the fix time of the last card
  };

  Engine.prototype.isTriggered = function (id) {
    return this.triggeredIds.indexOf(id) !== -1;
  };

  Engine.prototype.triggered = function () { return this.triggeredIds.slice(); };

  Engine.prototype.isMissed = function (id) {
    return this.missedIds.indexOf(id) !== -1;
  };

  Engine.prototype.missed = function () { return this.missedIds.slice(); };

  Engine.prototype._consistent = function (a, b) {
    var dt = (b.t - a.t) / 1000;
    if (!(dt > 0)) { return false; }
    var d = distanceM(a.lat, a.lon, b.lat, b.lon);
    return d <= Math.max(this.options.jumpMinM, this.options.maxSpeedMps * dt + a.acc + b.acc);
  };

  /** Process one fix; returns {accepted, reason, triggers: [{poi, distance_m}], missed: [id], position,
   * offTrail}. */
  Engine.prototype.feed = function (fix) {
    var o = this.options;
    var out = {accepted: false, reason: "", triggers: [], missed: [], position: this.lastPosition,
      offTrail: this.offTrail};
    fix = fix || {};
    var lat = Number(fix.latitude), lon = Number(fix.longitude), t = Number(fix.timestamp);
    var acc = fix.accuracy == null ? Infinity : Number(fix.accuracy);
    if (!isFinite(lat) || !isFinite(lon) || !isFinite(t) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      out.reason = "invalid"; return out;
    }
    if (!(acc <= o.accuracyMaxM)) { out.reason = "inaccurate"; return out; }
    var p = {lat: lat, lon: lon, acc: Math.max(0, acc), t: t};
    var prev = this.anchor;
    if (prev) {
      if (!(t > prev.t)) { out.reason = "stale"; return out; }
      if (!this._consistent(prev, p)) {
        var last = this.candidates[this.candidates.length - 1];
        if (last && this._consistent(last, p)) { this.candidates.push(p); }
        else { this.candidates = [p]; }
        if (this.candidates.length < o.recoverFixes) { out.reason = "jump"; return out; }
        prev = null; // re-anchored: the walker really moved
      }
    }
    this.candidates = [];
    this.anchor = p;
    out.accepted = true;
    out.reason = prev ? "ok" : "anchor";

    // Proximity, with hysteresis.
    var self = this;
    var fire = function (poi, d) {
      self.triggeredIds.push(poi.id);
      if (self.isMissed(poi.id)) { self.missedIds.splice(self.missedIds.indexOf(poi.id), 1); }
      out.triggers.push({poi: poi.id, distance_m: Math.round(d * 10) / 10});
      self.lastCardT = t;
    };
    var spaced = function () { return self.lastCardT === null || (t - self.lastCardT) / 1000 >= o.minCardSpacingS; };
    if (this.pending.length && spaced()) {
      var waited = this.pending.shift();
      fire(waited, distanceM(lat, lon, waited.lat, waited.lon));
    }
    for (var i = 0; i < this.pois.length; i++) {
      var poi = this.pois[i];
      if (this.isTriggered(poi.id) || !this.pushes(poi) || this.pending.indexOf(poi) !== -1) { continue; }
      var d = distanceM(lat, lon, poi.lat, poi.lon);
      var r = poi.radiusM;
      var count = this.counts[poi.id] || 0;
      if (d <= r) {
        count += 1;
        var wellInside = d <= o.wellInsideFactor * r &&
          (!prev || distanceM(prev.lat, prev.lon, lat, lon) <=
            o.walkMaxMps * (t - prev.t) / 1000 + prev.acc + p.acc);
        if (count >= o.enterFixes || wellInside) {
          if (spaced()) { fire(poi, d); } else { this.pending.push(poi); }
          count = 0;
        }
      } else if (d > o.exitFactor * r + o.exitExtraM) {
        count = 0;
      }
      this.counts[poi.id] = count;
    }

    // Position along the trace, off-trail warning.
    var proj = this.line.project(lat, lon, this.alongM);
    var position = {latitude: lat, longitude: lon, accuracy: p.acc, timestamp: t,
      distance_to_trail_m: proj ? proj.distance_m : null, along_m: proj ? proj.along_m : null};
    if (proj) {
      this.alongM = proj.along_m;
      if (proj.distance_m > o.offTrailM) {
        this.offCount += 1;
        if (this.offSince === null) { this.offSince = t; }
        if (this.offCount >= o.offTrailFixes && (t - this.offSince) / 1000 >= o.offTrailMinS) {
          this.offTrail = true;
        }
      } else {
        this.offCount = 0; this.offSince = null;
        if (proj.distance_m <= o.offTrailBackM) { this.offTrail = false; }
      }
    }
    if (proj) { out.missed = this._passedUnseen(this.lastPosition, position); }
    this.lastPosition = position;
    out.position = position;
    out.offTrail = this.offTrail;
    return out;
  };

  /** Rule 5: the stops passed between two accepted fixes far apart in time; marks them missed. */
  Engine.prototype._passedUnseen = function (before, now) {
    var o = this.options, found = [];
    if (!before || before.along_m == null || (now.timestamp - before.timestamp) / 1000 < o.gapS ||
        before.distance_to_trail_m > o.offTrailM || now.distance_to_trail_m > o.offTrailM ||
        !(now.along_m > before.along_m)) {
      return found;
    }
    for (var i = 0; i < this.pois.length; i++) {
      var poi = this.pois[i];
      if (poi.alongM == null || this.isTriggered(poi.id) || this.isMissed(poi.id) || !this.pushes(poi) ||
          this.pending.indexOf(poi) !== -1) { continue; }
      if (poi.alongM < before.along_m - poi.radiusM || poi.alongM >= now.along_m) { continue; }
      if (distanceM(now.latitude, now.longitude, poi.lat, poi.lon) <= poi.radiusM) { continue; }
      this.missedIds.push(poi.id);
      this.counts[poi.id] = 0;
      found.push(poi.id);
    }
    return found;
  };

  /** Stops still ahead of the walker, nearest first: [{id, remaining_m}]. */
  Engine.prototype.ahead = function () {
    var along = this.alongM;
    var self = this;
    return this.pois.filter(function (p) {
      return !self.isTriggered(p.id) && self.pushes(p) && p.alongM != null && (along == null || p.alongM >= along);
    }).map(function (p) {
      return {id: p.id, remaining_m: along == null ? p.alongM : p.alongM - along};
    }).sort(function (a, b) { return a.remaining_m - b.remaining_m; });
  };

  return {
    DEFAULTS: DEFAULTS,
    distanceM: distanceM,
    Line: Line,
    create: function (config) { return new Engine(config); }
  };
}));
