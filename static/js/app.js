// Small progressive enhancements. No inline scripts anywhere (CSP with nonces).
(function () {
  "use strict";
  // Strings go through Django's JavaScript catalogue (the /jsi18n/ script base.html loads
  // first, in the reader's language). If it did not load, the English text, never an error.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (singular, plural, count) {
    return count === 1 ? singular : plural;
  };
  var interpolate = window.interpolate || function (format, values, named) {
    if (named) {
      return format.replace(/%\(\w+\)s/g, function (match) { return String(values[match.slice(2, -2)]); });
    }
    var list = values.slice();
    return format.replace(/%s/g, function () { return String(list.shift()); });
  };
  // Move focus to swapped regions that ask for it, so keyboard and screen-reader
  // users land on the new content after an htmx swap.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-focus-on-swap")) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
  // An error answered for the alert region (culture/errors.py: 403, 404 and 500 carry
  // HX-Retarget: #alerts, as refusals do) is shown there; any other error response is still
  // not swapped (htmx-config in base.html), so a stray error page never replaces a fragment.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!event.detail.shouldSwap && xhr.status >= 400 &&
        xhr.getResponseHeader("HX-Retarget") === "#alerts") {
      event.detail.shouldSwap = true;
    }
  });
  // Org chart: expand and collapse a branch. htmx loads the children on the first click.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".org-toggle[aria-controls]");
    if (!button) return;
    var list = document.getElementById(button.getAttribute("aria-controls"));
    if (!list) return;
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    list.hidden = open;
  });
  // Close the account menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
