"""The login form (allauth's, field named as before) and the single sign-on settings form."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, cast

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from culture.forms import LedgerPasswordResetForm
from culture.models import Person
from sso import config
from sso.models import IdentitySettings

SSO_REQUIRED_MESSAGE = _(
    "Your company logs in with single sign-on: use “Continue with single sign-on”."
)


class LoginForm(AllauthLoginForm):
    """allauth's login form, with the email field still named "username": django-axes counts
    failures under that name, and the login page, password managers and tests know it."""

    fields: dict[str, forms.Field]  # allauth's form is untyped here

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields.pop("login")
        field.label = _("Email")
        field.widget.attrs.update({"autocomplete": "username", "autofocus": True})
        field.widget.attrs.pop("placeholder", None)
        self.fields = {"username": field, **self.fields}
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs.pop("placeholder", None)

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def clean(self):
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"]
        cleaned = super().clean()
        if self.user is not None and not config.current().password_login_allowed(self.user):
            raise ValidationError(SSO_REQUIRED_MESSAGE, code="sso_required")
        return cleaned

    def add_error(self, field, error):
        super().add_error("username" if field == "login" else field, error)


class IdentitySettingsForm(forms.ModelForm):
    oidc_client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the one set."),
    )

    class Meta:
        model = IdentitySettings
        fields = [
            "protocol",
            "oidc_issuer",
            "oidc_client_id",
            "oidc_client_secret",
            "oidc_trust_emails",
            "saml_metadata_url",
            "saml_metadata_xml",
            "saml_idp_entity_id",
            "saml_sp_entity_id",
            "email_domains",
            "create_people",
            "sso_required",
            "break_glass",
            "mfa_required",
        ]
        widgets = {
            "saml_metadata_xml": forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
            "email_domains": forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
            "break_glass": forms.SelectMultiple(attrs={"size": 4}),
        }

    def __init__(self, *args: Any, from_env: Collection[str] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        break_glass = cast(forms.ModelMultipleChoiceField, self.fields["break_glass"])
        break_glass.queryset = Person.objects.filter(is_people_admin=True, is_active=True).order_by(
            "name"
        )
        self.secret_set = bool(self.instance.oidc_client_secret)
        if self.secret_set:
            self.fields["oidc_client_secret"].help_text = _(
                "A secret is set (stored encrypted, never shown). Type a new one to replace it."
            )
        self.from_env = set(from_env)
        for name in self.from_env & set(self.fields):
            self.fields[name].disabled = True
            self.fields[name].help_text = _("Set by the environment, which wins over this page.")

    def clean_oidc_client_secret(self) -> str:
        from sso import crypto

        typed = self.cleaned_data.get("oidc_client_secret") or ""
        if "oidc_client_secret" in self.from_env:
            return self.instance.oidc_client_secret
        return crypto.encrypt(typed) if typed else self.instance.oidc_client_secret

    def clean_email_domains(self) -> str:
        domains = (self.cleaned_data.get("email_domains") or "").replace(",", "\n").split()
        bad = [d for d in domains if not re.fullmatch(r"@?[a-z0-9-]+(\.[a-z0-9-]+)+", d.lower())]
        if bad:
            raise ValidationError(_("Not a domain: %(bad)s"), params={"bad": ", ".join(bad)})
        return "\n".join(d.lower().lstrip("@") for d in domains)

    def clean_oidc_issuer(self) -> str:
        return (self.cleaned_data.get("oidc_issuer") or "").rstrip("/")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        protocol = data.get("protocol")
        if "protocol" in self.from_env:
            return data
        if protocol == IdentitySettings.Protocol.OIDC:
            for name in ("oidc_issuer", "oidc_client_id"):
                if not data.get(name):
                    self.add_error(name, _("Needed for OpenID Connect."))
        elif protocol == IdentitySettings.Protocol.SAML:
            url, xml = data.get("saml_metadata_url"), data.get("saml_metadata_xml")
            if not url and not xml:
                self.add_error("saml_metadata_url", _("Give the metadata URL or paste the XML."))
            elif xml and not url:
                try:
                    config.parse_metadata_xml(xml, data.get("saml_idp_entity_id") or None)
                except ValueError as exc:
                    self.add_error("saml_metadata_xml", str(exc))
        if data.get("sso_required") and protocol in (None, "", IdentitySettings.Protocol.NONE):
            self.add_error("sso_required", _("Set up an identity provider first."))
        glass = data.get("break_glass")
        if (
            data.get("sso_required")
            and "break_glass" not in self.from_env
            and glass is not None
            and not glass.exists()
        ):
            self.add_error(
                "break_glass",
                _("Name at least one break-glass people admin, for when the provider is down."),
            )
        return data


class PasswordResetForm(LedgerPasswordResetForm):
    """The reset (and invitation) form: when single sign-on is required, only break-glass
    accounts may use a password, so only they are sent a reset link. The answer on the page
    is the same either way ("if the address is known, a link is on its way")."""

    def get_users(self, email):
        cfg = config.current()
        for person in super().get_users(email):
            if cfg.password_login_allowed(person):
                yield person
