// Proof of work, asked for only when the form is under load (petitions/throttling.py).
// Finds a counter such that SHA-256("<challenge>:<counter>") starts with enough zero bits,
// using the browser's own WebCrypto; then fills the hidden field and sends the form.
(function () {
  "use strict";
  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { bits += 1; b <<= 1; }
      return bits;
    }
    return bits;
  }
  function difficulty(challenge) {
    // The challenge is Django's signed "payload:timestamp:signature"; the payload is base64 JSON.
    try {
      var payload = challenge.split(":")[0].replace(/-/g, "+").replace(/_/g, "/");
      while (payload.length % 4) { payload += "="; }
      return JSON.parse(atob(payload)).b;
    } catch (e) { return 16; }
  }
  async function solve(challenge, bits) {
    var encoder = new TextEncoder();
    for (var counter = 0; ; counter++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + counter));
      if (zeroBits(new Uint8Array(digest)) >= bits) { return String(counter); }
    }
  }
  function start() {
    var form = document.querySelector("form[data-pow-challenge]");
    if (!form || !window.crypto || !crypto.subtle) { return; }
    var challenge = form.dataset.powChallenge;
    var submitted = false;
    var solution = null;
    form.querySelector("input[name=pow_challenge]").value = challenge;
    solve(challenge, difficulty(challenge)).then(function (found) {
      solution = found;
      form.querySelector("input[name=pow_solution]").value = found;
      // The visitor already pressed "Sign" (here, or before the server asked for the puzzle).
      if (submitted || form.dataset.powResubmit) { form.submit(); }
    });
    form.addEventListener("submit", function (event) {
      if (solution === null) { event.preventDefault(); submitted = true; }
    });
  }
  document.addEventListener("DOMContentLoaded", start);
})();
