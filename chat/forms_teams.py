"""The form on a team's Microsoft Teams channel page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from chat.models import TeamsChannel
from webhooks import addresses


class TeamsChannelForm(forms.Form):
    url = forms.URLField(
        label=_("Workflows URL"),
        max_length=2000,
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "In Teams, open the channel's ⋯ menu, choose Workflows, then the template “Post to "
            "a channel when a webhook request is received”, and copy the URL it gives you "
            "(an https address; Power Automate's hosts vary, so any public host is taken). "
            "It is kept encrypted and never shown again; leave this empty to keep the URL "
            "already set."
        ),
    )
    posts = forms.MultipleChoiceField(
        label=_("What is posted"),
        choices=TeamsChannel.Post.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Public things only: never ratings, keeper answers, pay or feedback."),
    )

    def __init__(self, *args, url_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_required = url_required

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url:
            if self.url_required:
                raise forms.ValidationError(_("Paste the Workflows URL of the team's channel."))
            return ""
        # http only where private addresses are allowed too (a stand-in on the company's own
        # network, the tests); a Workflows URL is always https.
        schemes = (
            ("https://", "http://") if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES else ("https://",)
        )
        if not url.startswith(schemes):
            raise forms.ValidationError(_("Use the https:// address Teams gave you."))
        if (reason := addresses.refusal(url)) is not None:
            raise forms.ValidationError(reason)
        return url
