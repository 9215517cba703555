"""Forms for delivery preferences: a person's own, and the company's default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from chat import kinds
from chat.models import ChatSettings, DeliveryPreference

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _channel_choices(slack_on: bool) -> list[tuple[str, StrOrPromise]]:
    return [(v, label) for v, label in kinds.CHANNELS if slack_on or v != kinds.SLACK]


class ChannelsMixin:
    """One radio group per group of kinds (chat.kinds.GROUPS), named channel_<slug>."""

    fields: dict

    def add_channel_fields(self, *, initial: dict[str, str], slack_on: bool) -> None:
        choices = _channel_choices(slack_on)
        allowed = {v for v, _ in choices}
        for group in kinds.GROUPS:
            value = initial.get(group.slug, kinds.EMAIL)
            self.fields[f"channel_{group.slug}"] = forms.ChoiceField(
                label=group.label,
                help_text=group.help,
                choices=choices,
                widget=forms.RadioSelect,
                initial=value if value in allowed else kinds.EMAIL,
            )

    def channels(self) -> dict[str, str]:
        data = self.cleaned_data  # type: ignore[attr-defined]
        return {g.slug: data[f"channel_{g.slug}"] for g in kinds.GROUPS}


class PreferencesForm(ChannelsMixin, forms.ModelForm):
    quiet_from = forms.TimeField(
        required=False,
        label=_("Quiet hours from"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        required=False,
        label=_("until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone. Messages written during them wait until they end."),
    )
    digest_at = forms.TimeField(
        label=_("Digest at"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone."),
    )

    class Meta:
        model = DeliveryPreference
        fields = ["quiet_from", "quiet_until", "digest", "digest_at"]
        labels = {"digest": _("One daily digest instead of one message each")}
        help_texts = {
            "digest": _(
                "Messages that matter on their date (a keeper test due today, a circle about "
                "to start, a rating window closing) still come at once."
            )
        }

    def __init__(self, *args, channels: dict[str, str], slack_on: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_channel_fields(initial=channels, slack_on=slack_on)
        # The channels first, then the hours.
        order = [f"channel_{g.slug}" for g in kinds.GROUPS]
        self.order_fields(order + ["quiet_from", "quiet_until", "digest", "digest_at"])

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if bool(start) != bool(end):
            self.add_error(
                "quiet_until" if start else "quiet_from",
                _("Give both ends of the quiet hours, or neither."),
            )
        elif start and end and start == end:
            self.add_error("quiet_until", _("Quiet hours must end at a different time."))
        return data


class CompanyDefaultsForm(ChannelsMixin, forms.ModelForm):
    class Meta:
        model = ChatSettings
        fields = ["default_digest"]

    def __init__(self, *args, slack_on: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_channel_fields(initial=self.instance.default_channels or {}, slack_on=slack_on)
        self.order_fields([f"channel_{g.slug}" for g in kinds.GROUPS] + ["default_digest"])
