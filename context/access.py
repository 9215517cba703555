"""The context gate: every context view gets pages and revisions through this module.

No closed doors: every active person may read the company's page, every team's page and
their history. Editing: the company page by people admins; a team's page by the team's
managers (chat.access_teams.managed_by: whoever directly manages an active member of the
team, as the reporting tree has no team-lead field) and people admins. Whoever may read but
not edit gets 403; a team that does not exist (or was deleted by SCIM) is 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from chat.access_teams import managed_by
from context.models import ContextPage, ContextRevision
from culture.access import require_active
from culture.models import Person, Team

__all__ = ["get_page_for_user", "get_revision_for_user", "may_edit", "require_active"]


def may_edit(person: Person, page: ContextPage) -> bool:
    """People admins edit every page; a team's managers their team's (one query)."""
    if person.is_people_admin:
        return True
    if page.is_company or page.team_id is None:
        return False
    return managed_by(person).filter(pk=page.team_id).exists()


def _page(slug: str | None) -> ContextPage:
    """The company's page (slug None) or the team's; an unsaved, empty one when nobody has
    written it yet (reading never creates it)."""
    if slug is None:
        page = ContextPage.objects.company().select_related("updated_by").first()
        return page or ContextPage(is_company=True)
    team = Team.objects.filter(slug=slug, scim_deleted_at__isnull=True).first()
    if team is None:
        raise Http404
    page = ContextPage.objects.filter(team=team).select_related("updated_by").first()
    page = page or ContextPage(team=team)
    page.team = team
    return page


def get_page_for_user(user, slug: str | None = None, *, write: bool = False) -> ContextPage:
    """The company's page (slug None) or a team's page, for reading (every active person) or
    for editing (write=True: 403 for whoever may read but not edit)."""
    person = require_active(user)
    page = _page(slug)
    if write and not may_edit(person, page):
        raise PermissionDenied
    return page


def get_revision_for_user(
    user, slug: str | None, number: int
) -> tuple[ContextPage, ContextRevision]:
    """One revision of a page, open to every active person; 404 when there is no such one."""
    page = get_page_for_user(user, slug)
    revision = (
        ContextRevision.objects.filter(page_id=page.pk, number=number)
        .select_related("author")
        .first()
        if page.pk
        else None
    )
    if revision is None:
        raise Http404
    return page, revision
