// The inbox's keyboard shortcuts, selection, live-arrival polling and announcements.
// Loaded only by inbox pages. No inline handlers, no eval: the CSP and htmx config forbid both.
(function () {
  "use strict";

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  function current() { return document.querySelector("tr[data-row].is-current"); }

  function setCurrent(row) {
    rows().forEach(function (r) { r.classList.remove("is-current"); r.removeAttribute("aria-current"); });
    if (!row) { return; }
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    setCurrent(all[next]);
  }

  function press(key, tries) {
    // A row htmx is still swapping in has buttons htmx has not wired yet: clicking one then would
    // submit a plain form and reload the page. Wait (briefly) until the swap has settled.
    if (document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")) {
      if ((tries || 0) < 40) { window.setTimeout(function () { press(key, (tries || 0) + 1); }, 50); }
      return;
    }
    // Row shortcuts click the row's own button, so keyboard and mouse share one code path.
    var scope = current() || (document.querySelector(".thread-side") ? document : null);
    if (!scope) { return; }
    var target = scope.querySelector("[data-key='" + key + "']");
    if (!target) { return; }
    if (target.tagName === "A") { window.location.assign(target.href); } else { target.click(); }
  }

  var announceTimer = null;
  function announce(text) {
    var region = document.getElementById("inbox-announcer");
    if (!region) { return; }
    region.textContent = "";
    window.clearTimeout(announceTimer);
    window.setTimeout(function () { region.textContent = text; }, 50);
    announceTimer = window.setTimeout(function () { region.textContent = ""; }, 5000);
  }

  function toggleHelp() {
    var help = document.getElementById("inbox-help");
    if (!help || typeof help.showModal !== "function") { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    var help = document.getElementById("inbox-help");
    if (help && help.open && event.key !== "?") { return; }
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": case "h": case "d": case "r": press(event.key); break;
      case "o": case "Enter":
        if (current()) { window.location.assign(current().dataset.href); } else { return; }
        break;
      case "x":
        if (current()) { var box = current().querySelector("input[name=ids]"); if (box) { box.checked = !box.checked; } }
        break;
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-inbox-help]");
    if (trigger) { toggleHelp(); return; }
    var row = event.target.closest("tr[data-row]");
    if (row && !event.target.closest("a, button, input, select, label, summary")) { setCurrent(row); }
  });

  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) { return; }
    rows().forEach(function (r) {
      var box = r.querySelector("input[name=ids]");
      if (box) { box.checked = event.target.checked; }
    });
  });

  // Polling pauses while the tab is hidden, and checks at once when the moderator comes back.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (document.hidden && event.detail.elt && event.detail.elt.hasAttribute("data-poll")) { event.preventDefault(); }
  });
  document.addEventListener("visibilitychange", function () {
    var poll = document.getElementById("inbox-poll");
    if (!document.hidden && poll && window.htmx) { window.htmx.trigger(poll, "cv:poll"); }
  });

  // After a row action, keep the keyboard where it was, and say what happened.
  // An outerHTML swap replaces the row (and settling resets its classes): look it up by id after.
  document.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail.target;
    if (!old || !old.id || old.id.indexOf("comment-row-") !== 0) { return; }
    var fresh = document.getElementById(old.id);
    if (fresh) { setCurrent(fresh); }
  });
  document.addEventListener("cv:announce", function (event) {
    if (event.detail && event.detail.value) { announce(event.detail.value); }
  });
  // Our refusals (422) are one line of plain text; anything else is a page, not a message.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var plain = /^text\/plain/.test(xhr.getResponseHeader("Content-Type") || "");
    announce(plain ? xhr.responseText : xhr.status + " " + xhr.statusText);
  });
})();
