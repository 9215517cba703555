"""The context section of the home page: the viewer's team's page and the company's, with
when each last changed (two queries; one for someone in no team)."""

from __future__ import annotations

from context.models import ContextPage
from culture.models import Team


def home_context(request) -> dict:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    company = ContextPage.objects.company().only("version", "updated_at").first()
    team = (
        Team.objects.filter(pk=user.team_id, scim_deleted_at__isnull=True)
        .select_related("context_page")
        .only("name", "slug", "context_page__version", "context_page__updated_at")
        .first()
        if user.team_id
        else None
    )
    team_page = getattr(team, "context_page", None) if team is not None else None
    return {"context_company": company, "context_team": team, "context_team_page": team_page}
