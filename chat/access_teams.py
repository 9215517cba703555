"""The permission gate for a team's Microsoft Teams channel (culture.access primitives).

Who manages a team: the reporting tree has no "team lead" field, so a team's managers are
the active people who directly manage an active member of the team (Person.manager). A
manager whose reports sit in two teams may set both channels; a manager of another team,
or someone who manages nobody in it, may not (404: the page does not say the team has a
channel). People admins may set every team's channel.

- `teams_for_user`: the teams a person may set, for the list page (403 when none: the
  page is for managers and people admins, as other role pages are).
- `get_team_for_user`: one team by slug, 404 for anyone who may not set it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from culture.access import require_active
from culture.models import Person, Team

__all__ = ["get_team_for_user", "team_managers", "teams_for_user"]


def managed_by(user: Person) -> QuerySet[Team]:
    """The teams with an active member whose manager is `user` (one query, indexed on
    person.manager)."""
    members = Person.objects.filter(team_id=OuterRef("pk"), manager_id=user.pk, is_active=True)
    return Team.objects.filter(Exists(members))


def team_managers(team: Team) -> QuerySet[Person]:
    """The active people who directly manage an active member of `team`."""
    reports = Person.objects.filter(manager_id=OuterRef("pk"), team_id=team.pk, is_active=True)
    return Person.objects.filter(Exists(reports), is_active=True)


def teams_for_user(user) -> QuerySet[Team]:
    person = require_active(user)
    if person.is_people_admin:
        return Team.objects.filter(scim_deleted_at__isnull=True)
    teams = managed_by(person)
    if not teams.exists():
        raise PermissionDenied
    return teams


def get_team_for_user(user, slug: str) -> Team:
    person = require_active(user)
    teams = Team.objects.all() if person.is_people_admin else managed_by(person)
    team = teams.filter(slug=slug).first()
    if team is None:
        raise Http404
    return team
