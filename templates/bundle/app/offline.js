/* Balise walker's app, module 5 of 6: installing the bundle for offline use (the service worker
 * of the bundle folder; trail.html from file:// has none and needs none). */
(function (B) {
  "use strict";

  /** Register sw.js; "ready offline" shows once it has precached the bundle. */
  B.initOffline = function () {
    if (B.data.inline || !("serviceWorker" in navigator) || !/^https?:$/.test(window.location.protocol)) {
      return;
    }
    navigator.serviceWorker.register("sw.js").then(function () { return navigator.serviceWorker.ready; })
      .then(function () { B.$("offline-ready").hidden = false; }).catch(function (e) { console.warn(e); });
  };
}(window.BaliseApp = window.BaliseApp || {}));
