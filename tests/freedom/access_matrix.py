"""Every freedom URL x every persona. The employee owns a time-away entry: their team (peer,
manager), their chain (manager, skip level) and people admins see it; only the employee
changes it (a POST that removes an entry is tested on the CEO's, whom no persona may change, and on
the people admin's own, the last persona, so the others see it still there); the other branch (other_manager, outsider) gets 404. Guides are open to everyone;
only people admins write them, and their owner (the manager) marks one reviewed."""

from django.urls import reverse

from tests.matrix import ADMIN_ONLY, case


def _away(w, x):
    from datetime import timedelta

    from culture import clock

    start = clock.today() + timedelta(days=30)
    return {"starts_on": start, "ends_on": start + timedelta(days=4), "note": "Offline"}


GUIDE = {"title": "Hiring", "slug": "hiring", "summary": "", "body": "Hire well."}


def _entry(w):
    from tests.freedom.conftest import make_time_away

    return {"entry": make_time_away(person=w.employee)}


def _guide(w):
    from freedom.models import Guide

    Guide.objects.filter(slug="travel").update(owner=w.manager)
    return {}


def _ceos_entry(w):
    from tests.freedom.conftest import make_time_away

    w.ceo.team = w.team
    w.ceo.save(update_fields=["team"])
    return {"entry": make_time_away(person=w.ceo)}


def _admins_entry(w):
    from tests.freedom.conftest import make_time_away

    return {"entry": make_time_away(person=w.people_admin)}


def _entry_url(name):
    return lambda w, x: reverse(f"away:{name}", args=[x["entry"].pk])


SEE_ENTRY = {"employee": 200, "peer": 403, "manager": 403, "skip_level": 403, "people_admin": 403}

CASES = {
    "away:index": case(lambda w, x: reverse("away:index"), setup=_entry),
    "away:new": case(lambda w, x: reverse("away:new")),
    "away:new#post": case(lambda w, x: reverse("away:new"), method="post", data=_away, default=302),
    "away:settings": case(lambda w, x: reverse("away:settings"), default=403, **ADMIN_ONLY),
    "away:settings#post": case(
        lambda w, x: reverse("away:settings"),
        method="post",
        data=lambda w, x: {"nudge_after_months": "6"},
        default=403,
        people_admin=302,
    ),
    "away:edit": case(_entry_url("edit"), setup=_entry, default=404, **SEE_ENTRY),
    # The CEO's entry, with the CEO in the Platform team: the team and admins see it (403).
    "away:delete": case(
        _entry_url("delete"),
        setup=_ceos_entry,
        method="post",
        default=404,
        **{**SEE_ENTRY, "employee": 403},
    ),
    # Removed by its owner, who comes last: the others first get their refusal.
    "away:delete#own": case(
        _entry_url("delete"), setup=_admins_entry, method="post", default=404, people_admin=302
    ),
    "guides:index": case(lambda w, x: reverse("guides:index")),
    "guides:new": case(lambda w, x: reverse("guides:new"), default=403, **ADMIN_ONLY),
    "guides:new#post": case(
        lambda w, x: reverse("guides:new"),
        method="post",
        data=lambda w, x: {**GUIDE, "owner": str(w.manager.pk)},
        default=403,
        people_admin=302,
    ),
    "guides:guide": case(lambda w, x: reverse("guides:guide", args=["travel"])),
    "guides:guide#missing": case(
        lambda w, x: reverse("guides:guide", args=["no-such-guide"]), default=404
    ),
    "guides:edit": case(
        lambda w, x: reverse("guides:edit", args=["travel"]), default=403, **ADMIN_ONLY
    ),
    "guides:delete": case(
        lambda w, x: reverse("guides:delete", args=["travel"]),
        method="post",
        default=403,
        people_admin=302,
    ),
    "guides:reviewed": case(
        lambda w, x: reverse("guides:reviewed", args=["travel"]),
        method="post",
        setup=_guide,
        default=403,
        manager=302,
        people_admin=409,  # the manager (its owner) marked it reviewed today already
    ),
}
