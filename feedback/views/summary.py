"""A circle's summary for the person who received feedback, and its exports."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
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

    lines = [f"# {esc(circle.title)}: feedback for {esc(person.name)}", ""]
    lines.append(f"{timezone.localtime(circle.scheduled_at):%Y-%m-%d %H:%M %Z}")
    for label, value in (
        ("Accepted", "accepted"),
        ("Discarded", "discarded"),
        ("Not decided", "pending"),
    ):
        chosen = [i for i in items if i.decision == value]
        if chosen:
            lines += ["", f"## {label}", ""]
            lines += [
                f"- **{i.get_kind_display()}**: {esc(i.text)} ({esc(i.author.name)})"
                for i in chosen
            ]
    if actions:
        lines += ["", "## Action items", ""]
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
    return csv_response(f"circle-{circle.pk}.csv", ["kind", "feedback", "from", "decision"], rows)
