from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from culture import clock
from culture.models import Person
from freedom.models import FreedomSettings, Guide, TimeAway

# How far ahead and back time away may be noted: a plan for next year, or a week someone
# forgot to note (it still counts for the manager's note).
AHEAD_DAYS = 2 * 366
BACK_DAYS = 366
LONGEST_DAYS = 366
# Addresses under /guides/ that are pages, not guides.
RESERVED_SLUGS = {"new"}


class DateInput(forms.DateInput):
    input_type = "date"


class TimeAwayForm(forms.ModelForm):
    class Meta:
        model = TimeAway
        fields = ["starts_on", "ends_on", "note"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}
        labels = {
            "starts_on": gettext_lazy("Away from"),
            "ends_on": gettext_lazy("Back after (last day away)"),
            "note": gettext_lazy("Note"),
        }

    def clean(self):
        data = super().clean()
        start, end = self.cleaned_data.get("starts_on"), self.cleaned_data.get("ends_on")
        if start and end:
            today = clock.today()
            if end < start:
                self.add_error("ends_on", _("The last day away comes on or after the first."))
            elif (end - start).days + 1 > LONGEST_DAYS:
                self.add_error("ends_on", _("Note up to a year at a time."))
            if start > today + timedelta(days=AHEAD_DAYS):
                self.add_error("starts_on", _("Note time away up to two years ahead."))
            if end < today - timedelta(days=BACK_DAYS):
                self.add_error("ends_on", _("Note time away from the last year only."))
        return data


class FreedomSettingsForm(forms.ModelForm):
    class Meta:
        model = FreedomSettings
        fields = ["nudge_after_months"]


class GuideForm(forms.ModelForm):
    owner = forms.ModelChoiceField(
        queryset=Person.objects.active().only("id", "name", "email").order_by("name", "id"),
        label=gettext_lazy("Owner"),
        help_text=gettext_lazy("Who keeps it current and answers questions about it."),
    )

    class Meta:
        model = Guide
        fields = ["title", "slug", "summary", "owner", "body"]
        labels = {
            "title": gettext_lazy("Title"),
            "slug": gettext_lazy("Address"),
            "summary": gettext_lazy("Summary"),
            "body": gettext_lazy("Text (Markdown)"),
        }
        help_texts = {
            "slug": gettext_lazy("The end of its link: /guides/<address>/. Letters, digits, -.")
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 20})}

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("That address is taken by a page; choose another."))
        return slug
