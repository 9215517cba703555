"""A circle's summary for the person who received feedback, and its exports."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from culture.csvsafe import csv_response
from culture.http import AuthedHttpRequest
from culture.models import Person
from feedback import access
from feedback.models import ActionItem, Circle, CircleItem, Decision, Participant


def _received(circle: Circle, person: Person) -> list[CircleItem]:
    return list(
        CircleItem.objects.filter(
            circle=circle, recipient=person, recipient_position__lte=circle.revealed_through
        )
        .select_related("author")
        .order_by("kind", "id")
    )


@require_GET
def summary(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    return render_summary(request, circle)


def render_summary(
    request: AuthedHttpRequest, circle: Circle, *, status: int = 200
) -> HttpResponse:
    """The viewer's summary: what they received, to accept or discard (their own follow-up,
    which goes on here once the room is over and read-only), and the circle's action items
    with their owners (as ActionItem.objects.in_summary allows), which the ended room shows
    too (templates/jinja2/feedback/_action_items.html)."""
    items = _received(circle, request.user)
    own_round_revealed = Participant.objects.filter(
        circle=circle, person=request.user, position__lte=circle.revealed_through
    ).exists()
    return render(
        request,
        "feedback/summary.html",
        {
            "circle": circle,
            "items": items,
            "accepted": [i for i in items if i.decision == Decision.ACCEPTED],
            "discarded": [i for i in items if i.decision == Decision.DISCARDED],
            "pending": [i for i in items if i.decision == Decision.PENDING],
            "circle_actions": list(ActionItem.objects.in_summary(circle, request.user.pk)),
            "can_add_action": own_round_revealed,
        },
        status=status,
    )


def summary_markdown_text(
    circle: Circle, person: Person, items: Sequence[CircleItem], actions: Sequence[ActionItem]
) -> str:
    def esc(text: str) -> str:
        return text.replace("\r", "").replace("\n", " ")

    heading = _("%(title)s: feedback for %(name)s") % {
        "title": esc(circle.title),
        "name": esc(person.name),
    }
    lines = [f"# {heading}", ""]
    # When the circle was, in the reader's zone (the request's), the zone named.
    local = timezone.localtime(circle.scheduled_at)
    moment = date_format(local, pgettext("date and time in the summary export", "Y-m-d H:i"))
    lines.append(_("%(moment)s %(zone)s") % {"moment": moment, "zone": local.tzname()})
    for label, value in (
        (_("Accepted"), "accepted"),
        (_("Discarded"), "discarded"),
        (_("Not decided"), "pending"),
    ):
        chosen = [i for i in items if i.decision == value]
        if chosen:
            lines += ["", f"## {label}", ""]
            lines += [
                "- "
                + _("**%(kind)s**: %(text)s (%(author)s)")
                % {"kind": i.get_kind_display(), "text": esc(i.text), "author": esc(i.author.name)}
                for i in chosen
            ]
    if actions:
        lines += ["", "## " + _("Action items"), ""]
        lines += [f"- [{'x' if a.done else ' '}] {esc(a.text)}" for a in actions]
    return "\n".join(lines) + "\n"


@require_GET
def summary_markdown(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    items = _received(circle, request.user)
    actions = list(ActionItem.objects.filter(circle=circle, owner=request.user).order_by("id"))
    response = HttpResponse(
        summary_markdown_text(circle, request.user, items, actions),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="circle-{circle.pk}.md"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def summary_csv(request: AuthedHttpRequest, circle_id: int) -> HttpResponse:
    circle = access.get_circle_for_user(request.user, circle_id)
    items = _received(circle, request.user)
    rows = [(i.get_kind_display(), i.text, i.author.name, i.get_decision_display()) for i in items]
    return csv_response(
        f"circle-{circle.pk}.csv",
        [_("kind"), _("feedback"), _("from"), _("decision")],
        rows,
    )
