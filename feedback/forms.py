from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from culture.forms import LocalDateTimeField, name_the_zone
from culture.models import Person, Team
from feedback import phases
from feedback.models import CADENCE_CHOICES, DEFAULT_CAMPAIGN_TARGET, Circle, Kind
from feedback.services.circle import RESPONSES


def _people():
    return Person.objects.filter(is_active=True).only("id", "name", "email", "manager_id")


class CircleForm(forms.Form):
    title = forms.CharField(max_length=150, initial=_("Team feedback circle"))
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        help_text=_("Add a whole team in one click (everyone active in it)."),
    )
    people = forms.ModelMultipleChoiceField(
        queryset=_people(),
        required=False,
        help_text=_("Or hand-pick participants (added to the team, if any)."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    facilitator = forms.ModelChoiceField(
        queryset=_people(), required=False, help_text=_("Default: you.")
    )
    scheduled_at = LocalDateTimeField(label=_("Date and time"))
    minutes_per_person = forms.IntegerField(min_value=3, max_value=60, initial=20)
    reveal_to = forms.ChoiceField(
        choices=Circle.Audience.choices,
        initial=Circle.Audience.CIRCLE,
        label=_("Who sees the revealed items"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_zone(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        people = list(data.get("people") or [])
        team = data.get("team")
        if team:
            people += list(_people().filter(team=team))
        data["participants"] = people
        if len({p.pk for p in people}) < 2:
            raise forms.ValidationError(_("Choose a team or at least two people."))
        return data


class RescheduleForm(forms.Form):
    scheduled_at = LocalDateTimeField(label=_("New date and time"))
    minutes_per_person = forms.IntegerField(min_value=3, max_value=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_zone(self)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.START)
    text = forms.CharField(
        max_length=2000,
        label=_("Your feedback (signed)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StepForm(forms.Form):
    # Every step feedback.phases knows; whether the circle's phase allows it is the
    # service's to check (against the same table).
    action = forms.ChoiceField(choices=[(a, a) for a in phases.STEPS])
    expect = forms.CharField(required=False, max_length=30)
    person = forms.IntegerField(required=False)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=30)
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)


class RespondForm(forms.Form):
    response = forms.ChoiceField(choices=[(r, r) for r in RESPONSES])


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accepted", _("Accept")), ("discarded", _("Discard"))])


class ActionItemForm(forms.Form):
    text = forms.CharField(max_length=300, label=_("Action item"))


class WriteForm(forms.Form):
    recipient = forms.ModelChoiceField(queryset=_people(), label=_("To"))
    kind = forms.ChoiceField(choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.START)
    text = forms.CharField(
        max_length=4000, label=_("Your feedback (signed)"), widget=forms.Textarea(attrs={"rows": 5})
    )
    request = forms.IntegerField(required=False, widget=forms.HiddenInput)


class AskForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        queryset=_people(),
        label=_("Ask these colleagues"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    question = forms.CharField(max_length=300, required=False, label=_("Question (optional)"))


class PolicyForm(forms.Form):
    chain_may_read = forms.BooleanField(
        required=False,
        label=_("A person's management chain may read the written feedback they received"),
    )


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120, initial=_("Spring written 360"))
    opens_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    target = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        initial=DEFAULT_CAMPAIGN_TARGET,
        label=_("Colleagues each person is asked to write to"),
        help_text=_("Whoever has written to fewer is reminded a week before the campaign closes."),
    )
    repeats_yearly = forms.BooleanField(
        required=False,
        label=_("Repeat every year"),
        help_text=_("When it closes, next year's campaign is set up with the same dates."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("target") is None:
            data["target"] = DEFAULT_CAMPAIGN_TARGET
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise forms.ValidationError(_("The window must close after it opens."))
        return data


class CadenceForm(forms.Form):
    per_year = forms.TypedChoiceField(
        choices=CADENCE_CHOICES,
        coerce=int,
        initial=2,
        label=_("How often the team holds a feedback circle"),
        widget=forms.RadioSelect,
    )
