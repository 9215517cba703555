"""The bet ledgers (a person's, a team's) and the manager's bet review."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from culture import clock
from culture.errors import ActionRefused
from culture.http import AuthedHttpRequest
from culture.models import Person, Team
from decisions import access, services
from decisions.models import Memo, MemoQuerySet

S = Memo.State


def _ledger(memos: Iterable[Memo]) -> list[tuple[str, str, list[Memo]]]:
    columns: dict[str, list[Memo]] = {"went_well": [], "did_not": [], "still_open": []}
    for m in memos:
        if m.state == S.OUTCOME and m.outcome == Memo.Outcome.WENT_WELL:
            columns["went_well"].append(m)
        elif m.state == S.OUTCOME and m.outcome == Memo.Outcome.DID_NOT:
            columns["did_not"].append(m)
        else:
            columns["still_open"].append(m)
    return [
        ("went_well", gettext("Went well"), columns["went_well"]),
        ("did_not", gettext("Did not go well"), columns["did_not"]),
        ("still_open", gettext("Still open"), columns["still_open"]),
    ]


def _bets(user: Person) -> MemoQuerySet:
    return (
        Memo.objects.visible_to(user)
        .filter(state__in=[S.DECIDED, S.OUTCOME])
        .select_related("captain")
        .order_by("-decided_at", "-id")
    )


@require_GET
def person_ledger(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    person = access.get_person_for_user(request.user, person_id)
    memos = _bets(request.user).filter(captain=person)
    return render(
        request,
        "decisions/ledger.html",
        {"person": person, "team": None, "columns": _ledger(memos)},
    )


@require_GET
def team_ledger(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    access.require_active(request.user)
    team = get_object_or_404(Team, slug=slug)
    concerns = Memo.teams.through.objects.filter(memo_id=OuterRef("pk"), team_id=team.pk)
    memos = _bets(request.user).filter(Q(captain__team=team) | Exists(concerns))
    return render(
        request,
        "decisions/ledger.html",
        {"person": None, "team": team, "columns": _ledger(memos)},
    )


@require_http_methods(["GET", "POST"])
def reviews(request: AuthedHttpRequest) -> HttpResponse:
    manager = access.require_manager(request.user)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.do_open_bet_review(by=manager)
            return redirect("decisions:reviews")
        except ActionRefused as exc:
            error = exc.message
            status = 422
    members = (
        Person.objects.active()
        .direct_reports_of(manager)
        .annotate(
            went_well=Count(
                "captained_memos",
                filter=Q(
                    captained_memos__state=S.OUTCOME,
                    captained_memos__outcome="went_well",
                    captained_memos__confidential=False,
                ),
            ),
            did_not=Count(
                "captained_memos",
                filter=Q(
                    captained_memos__state=S.OUTCOME,
                    captained_memos__outcome="did_not",
                    captained_memos__confidential=False,
                ),
            ),
            still_open=Count(
                "captained_memos",
                filter=Q(captained_memos__state=S.DECIDED, captained_memos__confidential=False),
            ),
        )
        .order_by("name")
    )
    return render(
        request,
        "decisions/reviews.html",
        {
            "members": members,
            "reviews": manager.bet_reviews.all()[:6],
            "period": services.current_period(clock.today()),
            "error": error,
        },
        status=status,
    )
