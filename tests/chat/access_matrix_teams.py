"""Authorization matrix cases for chat (Microsoft Teams channels).

A team's managers (who directly manage an active member: the manager and the skip-level
for Platform) and people admins may set its channel; a manager of another team, and anyone
else, gets 404 for it. The list of teams one may set is 403 for people who may set none."""

from django.urls import reverse

from tests.matrix import case

URL = "https://teams.example.test/workflows/abc"


def _channel(w, x=None):
    from chat import teams_settings

    channel = teams_settings.do_set_channel(
        by=w.people_admin, team=w.team, url=URL, posts=["circles", "memos", "feed"]
    )
    return {"channel": channel}


def _on(name):
    return lambda w, x: reverse(f"chat:{name}", args=[w.team.slug])


TEAM = {"default": 404, "manager": 302, "skip_level": 302, "people_admin": 302}

CASES = {
    "chat:teams": case(
        lambda w, x: reverse("chat:teams"),
        default=403,
        manager=200,
        skip_level=200,
        other_manager=200,
        people_admin=200,
    ),
    "chat:teams_channel": case(
        _on("teams_channel"), default=404, manager=200, skip_level=200, people_admin=200
    ),
    "chat:teams_channel#other_team": case(
        lambda w, x: reverse("chat:teams_channel", args=[w.other_team.slug]),
        default=404,
        other_manager=200,
        people_admin=200,
    ),
    "chat:teams_channel#missing": case(
        lambda w, x: reverse("chat:teams_channel", args=["no-such-team"]), default=404
    ),
    "chat:teams_channel#set": case(
        _on("teams_channel"),
        method="post",
        data=lambda w, x: {"url": URL, "posts": ["memos"]},
        **TEAM,
    ),
    "chat:teams_test": case(_on("teams_test"), method="post", setup=_channel, **TEAM),
    "chat:teams_off": case(_on("teams_off"), method="post", setup=_channel, **TEAM),
    "chat:teams_on": case(_on("teams_on"), method="post", setup=_channel, **TEAM),
    "chat:teams_remove": case(_on("teams_remove"), method="post", setup=_channel, **TEAM),
}
