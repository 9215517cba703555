// The login page: an address in one of the company's single sign-on domains logs in through
// the identity provider (the server routes a post with no password there; sso/views.py).
// Here we only say so as the address is typed. No inline scripts (CSP with nonces).
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
  // The browser's time zone, read at login to offer it when it differs from the company's
  // (culture/i18n.py suggest_at_login). Not a secret: the zone name only.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) {
      document.cookie = "culture_browser_tz=" + encodeURIComponent(zone) +
        "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    }
  } catch (e) { /* an old browser: no suggestion */ }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-sso-domains]");
    if (!form) return;
    var domains = form.getAttribute("data-sso-domains").split(",");
    var email = form.querySelector("input[name=username]");
    var hint = document.getElementById("sso-domain-hint");
    if (!email || !hint) return;
    function update() {
      var domain = email.value.trim().toLowerCase().split("@")[1] || "";
      var sso = domains.indexOf(domain) !== -1;
      // Only a hint: break-glass accounts in the same domain still type their password.
      hint.hidden = !sso;
    }
    email.addEventListener("input", update);
    update();
  });
})();
