/* Balise walker's app, module 4 of 6: positions from the phone (watchPosition) and keeping the
 * screen awake (Wake Lock) while guiding. Every fix goes through the same path as
 * window.balise.feed (B.onFix, set by app.js). */
(function (B) {
  "use strict";

  var watchId = null, wakeLock = null;

  B.watching = function () { return watchId !== null; };

  B.startWatching = function () {
    if (watchId !== null || !navigator.geolocation) { return; }
    B.$("start").hidden = true;
    if (B.settings.wakelock) { B.requestWakeLock(); }  // the walk started: keep the screen on
    watchId = navigator.geolocation.watchPosition(function (pos) {
      B.onFix({latitude: pos.coords.latitude, longitude: pos.coords.longitude,
        accuracy: pos.coords.accuracy, timestamp: pos.timestamp});
    }, function (err) {
      if (err.code === 1) {
        B.$("gps-status").textContent = B.t("gps_denied");
        B.$("start").hidden = false;
        watchId = null;
      }
    }, {enableHighAccuracy: true, maximumAge: 0, timeout: 60000});
  };

  B.requestWakeLock = function () {
    if (!navigator.wakeLock || document.visibilityState !== "visible" || wakeLock) { return; }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () { /* battery saver, not allowed */ });
  };
  B.releaseWakeLock = function () {
    if (wakeLock) { wakeLock.release(); wakeLock = null; }
  };

  /** "Start the walk": positions, persistent storage, notifications, the screen kept on. */
  B.startWalk = function () {
    B.settings.started = true;
    B.saveSettings();
    B.startWatching();
    if (navigator.storage && navigator.storage.persist) { navigator.storage.persist().catch(function () {}); }
    if ("Notification" in window && Notification.permission === "default") {
      try { Notification.requestPermission().catch(function () {}); } catch (e) { /* old API */ }
    }
  };

  /** A page coming back to the screen gets its wake lock again (the browser dropped it). */
  B.initGeolocation = function () {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && B.settings.wakelock && watchId !== null) {
        B.requestWakeLock();
      }
    });
  };
}(window.BaliseApp = window.BaliseApp || {}));
