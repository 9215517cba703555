from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from context.models import ContextPage
from culture.models import Person, Team
from decisions.models import MAX_SCORE, MIN_SCORE, Memo


class PeopleField(forms.CharField):
    """Colleagues by email, separated by commas or spaces (scales to any company size)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        emails = [e.lower() for e in re.split(r"[\s,;]+", value or "") if e]
        if not emails:
            return []
        if len(emails) > 200:
            raise forms.ValidationError(_("At most 200 people at a time."))
        people = list(Person.objects.active().filter(email__in=emails))
        missing = sorted(set(emails) - {p.email for p in people})
        if missing:
            raise forms.ValidationError(
                ngettext(
                    "No active colleague with the email: %(emails)s",
                    "No active colleague with the email: %(emails)s",
                    len(missing[:10]),
                )
                % {"emails": ", ".join(missing[:10])}
            )
        return people


def _emails(people) -> str:
    return ", ".join(p.email for p in people)


class MemoForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown: headings, lists, links, tables and code work. Raw HTML does not."),
    )
    decide_by = forms.DateField(
        required=False,
        label=_("Decide by"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The dissent window closes at the end of this day."),
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.only("name"),
        required=False,
        label=_("Teams"),
        help_text=_("Teams it concerns."),
    )
    context_pages = forms.ModelMultipleChoiceField(
        queryset=ContextPage.objects.for_select(),
        required=False,
        label=_("Context it relies on"),
        help_text=_(
            "The company's or a team's context page; each page lists the memos that rely on it."
        ),
    )
    co_authors = PeopleField(label=_("Co-authors"), help_text=_("Emails, separated by commas."))
    confidential = forms.BooleanField(
        required=False,
        label=_("Confidential"),
        help_text=_("The exception: only the people named below (and the authors) can read it."),
    )
    readers = PeopleField(label=_("Named readers (confidential only)"))
    hide_spread = forms.BooleanField(
        required=False,
        label=_("Hide the spread until the window closes"),
        help_text=_("Colleagues rate without seeing each other's ratings first."),
    )

    @classmethod
    def initial_for(cls, memo: Memo) -> dict:
        return {
            "title": memo.title,
            "body": memo.body,
            "decide_by": memo.decide_by,
            "teams": list(memo.teams.all()),
            "context_pages": list(memo.context_pages.all()),
            "co_authors": _emails(memo.co_authors.all()),
            "confidential": memo.confidential,
            "readers": _emails(memo.readers.all()),
            "hide_spread": memo.hide_spread,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("confidential") and not data.get("readers") and not data.get("co_authors"):
            self.add_error("readers", _("Name at least one reader for a confidential memo."))
        return data


SCORE_CHOICES = [(s, f"{s:+d}" if s else "0") for s in range(MAX_SCORE, MIN_SCORE - 1, -1)]


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=[("", _("Choose…")), *SCORE_CHOICES],
        coerce=int,
        label=_("Your rating (-10 to +10)"),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Your reason"),
        help_text=_("Required. Ratings are signed; the reason is what the captain learns from."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Comment"),
        max_length=5000,
        help_text=_("Mention a colleague with @ and the part of their email before the @."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RevisitForm(forms.Form):
    new_information = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("What is new?"), max_length=5000
    )


class HandOverForm(forms.Form):
    email = forms.EmailField(label=_("New captain's email"))

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        person = Person.objects.active().filter(email=email).first()
        if person is None:
            raise forms.ValidationError(_("No active colleague with that email."))
        return person


class InviteForm(forms.Form):
    people = PeopleField(label=_("Invite colleagues to weigh in (emails)"), required=True)


class PublishForm(forms.Form):
    """The captain's one choice when publishing (the spread's is on the memo's form)."""

    reasons_after_rating = forms.BooleanField(
        required=False,
        label=_("Show the others' reasons only after rating"),
        help_text=_(
            "Until the window closes, a colleague sees the spread and the reasons once "
            "they have rated, so the first reasons do not steer the rest. You always see them. "
            "It cannot be changed after publishing."
        ),
    )


class TestForm(forms.Form):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label=_("What will you test, and how?")
    )


class ResultsForm(forms.Form):
    results = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), label=_("What did the test show?")
    )


class DecideForm(forms.Form):
    bet = forms.ChoiceField(choices=Memo.Bet.choices, widget=forms.RadioSelect, label=_("The bet"))
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Why"))
    look_back_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Look back on"),
        help_text=_("You will be reminded on this date to record how it went."),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Memo.Outcome.choices, widget=forms.RadioSelect, label=_("How did it go?")
    )
    celebration = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Celebration note (went well)"),
        help_text=_("Posted to the company feed."),
    )
    happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Sunshine: what happened (did not go well)"),
    )
    learned = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Sunshine: what we learned"),
        help_text=_("Published to the feed. Managers ask what you learned, never “I told you so”."),
    )
    new_look_back_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("New look-back date (still open)"),
    )


SORTS = [("new", _("Newest")), ("closing", _("Closing soon")), ("dissent", _("Most dissent"))]


class FeedForm(forms.Form):
    """The memo feed's filters, search and sort, from the query string. `apply(memos)`
    narrows and orders memos as asked; a form that does not validate (a hand-edited URL)
    filters nothing and sorts newest first."""

    q = forms.CharField(required=False, max_length=200, label=_("Search memos"))
    state = forms.ChoiceField(
        choices=[("", _("Any state")), *Memo.State.choices], required=False, label=_("State")
    )
    team = forms.CharField(required=False, max_length=120, label=_("Team"))
    captain = forms.IntegerField(required=False, widget=forms.HiddenInput)
    waiting = forms.BooleanField(required=False, label=_("Waiting for my rating"))
    sort = forms.ChoiceField(choices=SORTS, required=False, label=_("Sort"))

    def __init__(self, data=None, *, viewer: Person, today: date):
        super().__init__(data)
        self.viewer = viewer
        self.today = today

    @cached_property
    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}

    @property
    def search_text(self) -> str:
        return (self.filters.get("q") or "").strip()

    @property
    def sort_by(self) -> str:
        return self.filters.get("sort") or "new"

    @cached_property
    def selected_team(self) -> Team | None:
        """The team filtered on, if it exists (one query, only when a team is asked for)."""
        name = self.filters.get("team")
        return Team.objects.named(name).first() if name else None

    @cached_property
    def selected_captain(self) -> Person | None:
        """The captain filtered on, for their name (one query, only when asked for)."""
        pk = self.filters.get("captain")
        return Person.objects.filter(pk=pk).only("name").first() if pk else None

    def apply(self, memos):
        """`memos` (already what the viewer may see) narrowed by the filters and ordered:
        by search rank when searching, else by the sort asked for."""
        f = self.filters
        state = f.get("state")
        memos = memos.filter(state=state) if state else memos.published()
        if f.get("team"):
            team = self.selected_team
            memos = memos.filter(teams=team) if team else memos.none()
        if f.get("captain"):
            memos = memos.filter(captain_id=f["captain"])
        if f.get("waiting"):
            memos = memos.waiting_for_rating_by(self.viewer, self.today)
        if self.search_text:
            return memos.search(self.search_text, capped=True)
        if self.sort_by == "closing":
            return memos.filter(state=Memo.State.OPEN, decide_by__gte=self.today).order_by(
                "decide_by", "id"
            )
        if self.sort_by == "dissent":
            return (
                memos.with_spread(self.today, self.viewer)
                .exclude(spread__isnull=True)
                .order_by((F("rating_high") - F("rating_low")).desc(), "-published_at", "-id")
            )
        return memos.order_by("-published_at", "-id")
