from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks import addresses
from webhooks.models import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where each event is POSTed, e.g. https://hooks.example.com/culture."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EVENT_TYPES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these are sent to this URL."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives it, for whoever reads this page next."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an https:// (or http://) address."))
        if (reason := addresses.refusal(url)) is not None:
            raise forms.ValidationError(reason)
        return url
