from __future__ import annotations

from datetime import timedelta

from django import forms

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
        labels = {"starts_on": "Away from", "ends_on": "Back after (last day away)"}

    def clean(self):
        data = super().clean()
        start, end = self.cleaned_data.get("starts_on"), self.cleaned_data.get("ends_on")
        if start and end:
            today = clock.today()
            if end < start:
                self.add_error("ends_on", "The last day away comes on or after the first.")
            elif (end - start).days + 1 > LONGEST_DAYS:
                self.add_error("ends_on", "Note up to a year at a time.")
            if start > today + timedelta(days=AHEAD_DAYS):
                self.add_error("starts_on", "Note time away up to two years ahead.")
            if end < today - timedelta(days=BACK_DAYS):
                self.add_error("ends_on", "Note time away from the last year only.")
        return data


class FreedomSettingsForm(forms.ModelForm):
    class Meta:
        model = FreedomSettings
        fields = ["nudge_after_months"]


class GuideForm(forms.ModelForm):
    owner = forms.ModelChoiceField(
        queryset=Person.objects.active().only("id", "name", "email").order_by("name", "id"),
        help_text="Who keeps it current and answers questions about it.",
    )

    class Meta:
        model = Guide
        fields = ["title", "slug", "summary", "owner", "body"]
        labels = {"slug": "Address", "body": "Text (Markdown)"}
        help_texts = {"slug": "The end of its link: /guides/<address>/. Letters, digits, -."}
        widgets = {"body": forms.Textarea(attrs={"rows": 20})}

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError("That address is taken by a page; choose another.")
        return slug
