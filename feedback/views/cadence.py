"""Circles as a regular practice: a team's cadence (set by the team's managers or people
admins), and what the Circles page tells a manager about their teams and reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chat.access_teams import get_team_for_user, managed_by
from culture import clock
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.models import Person, Team
from feedback import forms
from feedback.models import CircleCadence, reports_without_circle, teams_of_manager
from feedback.services import cadence as cadence_services


def cadence_of(team: Team) -> CircleCadence | None:
    """The team's cadence, from select_related (no query); None when it has none."""
    try:
        return team.circle_cadence
    except ObjectDoesNotExist:
        return None


def manager_context(me: Person) -> dict:
    """What the Circles page shows a manager: each team they manage, its cadence and
    whether a circle is due; and their reports who have not sat in the centre of a circle
    in the last year. Three queries, whatever the number of teams, reports or circles (none
    of it for someone who manages nobody but the first two)."""
    today = clock.today()
    rows = []
    for team in teams_of_manager(me, managed_by(me)):
        cadence = cadence_of(team)
        last = team.last_circle  # type: ignore[attr-defined]
        due = cadence is not None and (last is None or last.date() < cadence.due_since(today))
        rows.append({"team": team, "cadence": cadence, "last_circle": last, "due": due})
    without = list(reports_without_circle(me, today)) if rows else []
    return {"my_teams": rows, "without_circle": without}


@require_http_methods(["GET", "POST"])
def cadence(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    team = get_team_for_user(request.user, slug)
    current = CircleCadence.objects.filter(team=team).first()
    form = forms.CadenceForm(
        request.POST or None, initial={"per_year": current.per_year if current else 2}
    )
    if request.method == "POST" and form.is_valid():
        try:
            cadence_services.do_set_cadence(
                actor=request.user, team=team, per_year=form.cleaned_data["per_year"]
            )
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(team)s's circles are set.") % {"team": team.name})
            return redirect("feedback:index")
    return render(
        request,
        "feedback/cadence.html",
        {"team": team, "form": form, "current": current},
        status=422 if request.method == "POST" else 200,
    )
