// Small progressive enhancements. No inline scripts anywhere (CSP with nonces).
(function () {
  "use strict";
  // Move focus to swapped regions that ask for it, so keyboard and screen-reader
  // users land on the new content after an htmx swap.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-focus-on-swap")) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
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
