"""The Slack app's credentials, as the people admin copies them from api.slack.com."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SlackAppForm(forms.Form):
    client_id = forms.CharField(
        label=_("Client ID"),
        max_length=100,
        help_text=_("Basic Information → App Credentials, e.g. 1234567890.1234567890123."),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    signing_secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, has_client_secret: bool = False, has_signing_secret=False, **kw):
        super().__init__(*args, **kw)
        self.has_client_secret = has_client_secret
        self.has_signing_secret = has_signing_secret
        keep = _("Stored encrypted; leave blank to keep it.")
        self.fields["client_secret"].help_text = (
            keep if has_client_secret else _("Shown next to the client ID.")
        )
        self.fields["signing_secret"].help_text = (
            keep if has_signing_secret else _("Checks that Slack's events come from Slack.")
        )

    def clean_client_id(self):
        value = self.cleaned_data["client_id"].strip()
        if not value.replace(".", "").isalnum():
            raise forms.ValidationError(_("A client ID is digits with a dot, as Slack shows it."))
        return value

    def clean(self):
        data = super().clean() or {}
        if not data.get("client_secret", "").strip() and not self.has_client_secret:
            self.add_error("client_secret", _("Enter the app's client secret."))
        if not data.get("signing_secret", "").strip() and not self.has_signing_secret:
            self.add_error("signing_secret", _("Enter the app's signing secret."))
        return data
