"""Every context URL x every persona. Context is open to every active person (no closed
doors); the company's page is edited by people admins only, a team's page by the managers of
its members (the manager, and the skip-level who manages the manager, both in Platform) and
people admins. Whoever may read but not edit gets 403; a team that does not exist, 404."""

from django.urls import reverse

from tests.matrix import case


def _pages(w):
    from tests.context.conftest import save

    save(w.people_admin, north_star="Be the first choice for an evening.", summary="First")
    save(w.manager, "platform", north_star="Ship daily, safely.", summary="First")
    save(w.manager, "platform", numbers="- Deploys a day: 38", summary="Numbers")
    return {}


def _post(slug):
    def data(w, x):
        from context.models import ContextPage

        page = ContextPage.objects.filter(
            **({"is_company": True} if slug is None else {"team__slug": slug})
        ).first()
        version = page.version if page else 0
        return {"version": version, "north_star": f"Version {version + 1}", "summary": "A change"}

    return data


EDITORS = {"manager": 200, "skip_level": 200, "people_admin": 200}
SAVERS = {"manager": 302, "skip_level": 302, "people_admin": 302}

CASES = {
    "context:index": case(lambda w, x: reverse("context:index"), setup=_pages),
    "context:company": case(lambda w, x: reverse("context:company"), setup=_pages),
    "context:company#empty": case(lambda w, x: reverse("context:company")),
    "context:company_edit": case(
        lambda w, x: reverse("context:company_edit"), default=403, people_admin=200
    ),
    "context:company_edit#post": case(
        lambda w, x: reverse("context:company_edit"),
        method="post",
        data=_post(None),
        setup=_pages,
        default=403,
        people_admin=302,
    ),
    "context:company_history": case(lambda w, x: reverse("context:company_history"), setup=_pages),
    "context:company_revision": case(
        lambda w, x: reverse("context:company_revision", args=[1]), setup=_pages
    ),
    "context:company_revision#missing": case(
        lambda w, x: reverse("context:company_revision", args=[9]), setup=_pages, default=404
    ),
    "context:team": case(lambda w, x: reverse("context:team", args=["platform"]), setup=_pages),
    "context:team#other": case(lambda w, x: reverse("context:team", args=["growth"])),
    "context:team#missing": case(
        lambda w, x: reverse("context:team", args=["no-such-team"]), default=404
    ),
    "context:team_edit": case(
        lambda w, x: reverse("context:team_edit", args=["platform"]), default=403, **EDITORS
    ),
    "context:team_edit#other": case(
        lambda w, x: reverse("context:team_edit", args=["growth"]),
        default=403,
        other_manager=200,
        people_admin=200,
    ),
    "context:team_edit#missing": case(
        lambda w, x: reverse("context:team_edit", args=["no-such-team"]), default=404
    ),
    "context:team_edit#post": case(
        lambda w, x: reverse("context:team_edit", args=["platform"]),
        method="post",
        data=_post("platform"),
        setup=_pages,
        default=403,
        **SAVERS,
    ),
    "context:team_history": case(
        lambda w, x: reverse("context:team_history", args=["platform"]), setup=_pages
    ),
    "context:team_history#missing": case(
        lambda w, x: reverse("context:team_history", args=["no-such-team"]), default=404
    ),
    "context:team_revision": case(
        lambda w, x: reverse("context:team_revision", args=["platform", 2]), setup=_pages
    ),
    "context:team_revision#missing": case(
        lambda w, x: reverse("context:team_revision", args=["platform", 9]),
        setup=_pages,
        default=404,
    ),
}
