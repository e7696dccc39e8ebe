/* "Near me" on the catalogue: progressive enhancement. Without JavaScript or geolocation the button
   (in #f-near-me-box) stays hidden and the form works with a town or a typed "latitude, longitude". With them, the button
   asks the browser for the position, writes it into the "near" field (clearing the town) and submits. */
(function () {
  "use strict";
  var button = document.getElementById("f-near-me");
  if (!button || !("geolocation" in navigator)) return;
  var near = document.getElementById("f-near");
  var town = document.getElementById("f-town");
  var status = document.getElementById("f-near-me-status");
  document.getElementById("f-near-me-box").hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      near.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
      if (town) town.value = "";
      button.form.submit();
    }, function () {
      button.disabled = false;
      status.textContent = button.dataset.failed;
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 600000});
  });
})();
