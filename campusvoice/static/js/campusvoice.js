// Our only script. No inline handlers anywhere (the CSP forbids them), so behaviour is wired here.
(function () {
  "use strict";
  function wire(root) {
    // Submit a form when a select marked data-autosubmit changes (language switcher, filters).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
    // Ask before destructive actions: <form data-confirm="Delete this contact?">.
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      // htmx:load also fires for the whole page at start-up: wire each form once, or it asks twice.
      if (form.dataset.confirmWired) { return; }
      form.dataset.confirmWired = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:load", function (event) { wire(event.target); });
})();
