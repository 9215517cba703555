"""What the Circles practice shows on other practices' pages (culture.sections page sections).

The keeper page: the manager's reports who have not sat in the centre of a feedback circle in
the last year, as PRACTICES.md's regular practice asks (the Circles page shows the same list).
"""

from __future__ import annotations

from culture import clock
from feedback.models import reports_without_circle


def keeper_context(request) -> dict:
    """One query; {} (no section) for a viewer with nobody in the list."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    without = list(reports_without_circle(user, clock.today_for(user)))
    return {"without_circle": without} if without else {}
