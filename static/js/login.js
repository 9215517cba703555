// The login page: an address in one of the company's single sign-on domains logs in through
// the identity provider (the server routes a post with no password there; sso/views.py).
// Here we only say so as the address is typed. No inline scripts (CSP with nonces).
(function () {
  "use strict";
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
