// The camera scan: only where the browser can decode QR codes itself (BarcodeDetector).
// Everywhere else the photo upload below does the same job on the server.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var box = document.getElementById("camera");
  var video = document.getElementById("preview");
  box.hidden = false;
  document.getElementById("start-camera").addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        return video.play();
      })
      .then(function scan() {
        return detector.detect(video).then(function (codes) {
          var found = codes.map(function (c) { return c.rawValue; })
            .filter(function (text) { return /\/V\/[0-9]+\/?$/i.test(text); });
          if (found.length) {
            window.location.assign("/V/" + found[0].split(/\/V\//i)[1].replace(/\/$/, ""));
          } else {
            window.setTimeout(scan, 250);
          }
        });
      })
      .catch(function () { box.hidden = true; });
  });
})();
