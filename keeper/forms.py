from __future__ import annotations

from django import forms
from django.utils.dates import MONTHS as MONTH_NAMES
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from culture import clock
from culture.forms import JINJA2_WIDGETS
from keeper.models import Answer, Cadence, Heard, HireAgain, KeeperPolicy, Wording


class AnswerForm(forms.Form):
    # Drawn by the keeper card, a Jinja2 template (culture/jinja2.py), with Django's own
    # widget templates for Jinja2: through Django's engine, a manager's ten cards of
    # widgets cost more than the rest of the page (bench/README.md).
    default_renderer = JINJA2_WIDGETS

    answer = forms.ChoiceField(
        choices=Answer.choices, required=False, widget=forms.RadioSelect, label=_("Your answer")
    )
    # Only in cycles with the 2024 wording (keeper.views.Card drops it otherwise).
    hire_again = forms.ChoiceField(
        choices=HireAgain.choices,
        required=False,
        widget=forms.RadioSelect,
        label=_("Would you hire them again?"),
    )
    notes = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Your private notes"),
        help_text=_(
            "What makes them valuable, what to watch. Only you, the managers above you and "
            "people admins read these. They are yours: if this person moves to another "
            "manager, the new manager starts with notes of their own."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shared_with_employee = forms.BooleanField(
        required=False, label=_("I have shared where they stand with them")
    )


class LookAgainForm(forms.Form):
    look_again_on = forms.DateField(
        label=_("Date to look again"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("We will remind you on that day."),
    )

    def clean_look_again_on(self):
        value = self.cleaned_data["look_again_on"]
        if value <= clock.today():
            raise forms.ValidationError(_("Choose a date in the future."))
        return value


class PromptLogForm(forms.Form):
    asked_on = forms.DateField(
        label=_("When did you ask?"), widget=forms.DateInput(attrs={"type": "date"})
    )
    heard = forms.ChoiceField(
        choices=Heard.choices, widget=forms.RadioSelect, label=_("What you heard")
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Your private note"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_asked_on(self):
        value = self.cleaned_data["asked_on"]
        if value > clock.today():
            raise forms.ValidationError(_("That date is in the future."))
        return value


# The months' names in the reader's language (Django's own, "January" in English).
MONTHS = list(MONTH_NAMES.items())


class PolicyForm(forms.Form):
    cadence = forms.TypedChoiceField(choices=Cadence.choices, coerce=int, label=_("Cadence"))
    opening_month = forms.TypedChoiceField(
        choices=MONTHS, coerce=int, label=_("A month in which a cycle opens")
    )
    opening_hour = forms.IntegerField(
        min_value=0, max_value=23, label=_("Opening hour (company time)")
    )
    due_days = forms.IntegerField(min_value=1, max_value=60, label=_("Days until answers are due"))
    wording = forms.ChoiceField(choices=Wording.choices, label=_("Wording"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for level in range(1, 10):
            self.fields[f"level_{level}"] = forms.IntegerField(
                min_value=0, max_value=36, label=gettext("Level %(level)s") % {"level": level}
            )

    @classmethod
    def initial_for(cls, policy: KeeperPolicy) -> dict:
        initial = {
            "cadence": policy.cadence,
            "opening_month": policy.opening_month,
            "opening_hour": policy.opening_hour,
            "due_days": policy.due_days,
            "wording": policy.wording,
        }
        for level in range(1, 10):
            initial[f"level_{level}"] = policy.months_for_level(level)
        return initial

    def level_fields(self):
        return [self[f"level_{level}"] for level in range(1, 10)]

    def main_fields(self):
        return [
            self[n] for n in ("cadence", "opening_month", "opening_hour", "due_days", "wording")
        ]


class PostExitForm(forms.Form):
    what_happened = forms.CharField(
        required=False,
        max_length=5000,
        label=_("What happened"),
        help_text=_(
            "In your own words, as you will tell the team: why they left, and what it means "
            "for the team. Be candid and kind; nothing about their pay or keeper answers."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    notes = forms.CharField(
        required=False,
        max_length=10000,
        label=_("Your notes for the Q&A"),
        help_text=_("Questions you expect, what you will say. Private until you share them."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class HeldForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > clock.today():
            raise forms.ValidationError(_("That date is in the future."))
        return value


class ShareForm(forms.Form):
    shared = forms.BooleanField(required=False, label=_("Share my notes with the team"))
