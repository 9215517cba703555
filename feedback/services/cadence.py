"""Feedback circles as a regular practice: a team's cadence, set by its managers or people
admins, and the daily sweep that tells each manager when their team's circle is due."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat.access_teams import team_managers
from culture import audit, clock
from culture.errors import InvalidInput
from culture.i18n import as_reader
from culture.models import Person, Team
from culture.notifications import Message, notify_many
from feedback.models import CADENCE_CHOICES, CircleCadence, last_circle_with_reports

# CADENCE_CHOICES inside a sentence ("Design meets twice a year; ...").
HOW_OFTEN = {
    1: gettext_lazy("once a year"),
    2: gettext_lazy("twice a year"),
    3: gettext_lazy("every four months"),
    4: gettext_lazy("every quarter"),
}


def do_set_cadence(*, actor: Person, team: Team, per_year: int) -> CircleCadence:
    """The caller has the team from chat.access_teams.get_team_for_user (its manager or a
    people admin)."""
    if per_year not in dict(CADENCE_CHOICES):
        raise InvalidInput(_("Choose how often the team meets."))
    with transaction.atomic():
        cadence, _created = CircleCadence.objects.update_or_create(
            team=team,
            defaults={"per_year": per_year, "set_by": actor, "updated_at": timezone.now()},
        )
        audit.record(
            actor, "feedback.cadence.set", detail={"team": team.slug, "per_year": per_year}
        )
    return cadence


def is_due(cadence: CircleCadence, manager_id: int, today: date) -> bool:
    """No circle (held or planned, not cancelled) with the manager and one of their reports
    in the team since one period ago."""
    last = last_circle_with_reports(manager_id, cadence.team_id)
    if last is None:
        return True
    return last.scheduled_at.date() < cadence.due_since(today)


def remind_due_circles(today: date | None = None) -> int:
    """Idempotent daily sweeper: each manager of a team with a cadence whose circle is due
    is told once per due period (the period's name is in the key)."""
    today = today or clock.today()
    messages = []
    for cadence in CircleCadence.objects.select_related("team").filter(
        team__scim_deleted_at__isnull=True
    ):
        period = cadence.period_of(today)
        for manager in team_managers(cadence.team):
            if not is_due(cadence, manager.pk, today):
                continue
            with as_reader(manager):
                title = _("A feedback circle with %(team)s is due") % {"team": cadence.team.name}
                body = _(
                    "%(team)s meets %(how_often)s; no circle with your reports is held or "
                    "planned for this period."
                ) % {
                    "team": cadence.team.name,
                    "how_often": HOW_OFTEN.get(cadence.per_year, ""),
                }
            messages.append(
                Message(
                    recipient=manager,
                    key=f"feedback:circle_due:{cadence.team_id}:{period}:{manager.pk}",
                    kind="feedback.circle_due",
                    morning=True,  # a daily reminder: in the reader's morning
                    title=title,
                    body=body,
                    url=reverse("feedback:circle_new"),
                )
            )
    return notify_many(messages)
