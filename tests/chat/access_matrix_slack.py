"""Authorization matrix cases for chat (slack): the Slack page and its actions are for people
admins only (403 for every other persona, as the webhook pages); Slack's Events API endpoint
is open to anyone and refuses every request without Slack's signature (403)."""

from django.urls import reverse

from tests.matrix import case

ADMIN = {"default": 403}


def _app(w, x=None):
    from tests.chat.factories import make_slack_app

    make_slack_app()
    return {}


def _url(name):
    return lambda w, x: reverse(f"chat:{name}")


APP = {"client_id": "1234567890.1234567890", "client_secret": "s3cret", "signing_secret": "s1gn"}

CASES = {
    "chat:slack": case(_url("slack"), people_admin=200, **ADMIN),
    "chat:slack_app": case(
        _url("slack_app"), method="post", data=lambda w, x: APP, people_admin=302, **ADMIN
    ),
    "chat:slack_app#invalid": case(
        _url("slack_app"), method="post", data=lambda w, x: {}, people_admin=422, **ADMIN
    ),
    "chat:slack_install": case(
        _url("slack_install"), method="post", setup=_app, people_admin=302, **ADMIN
    ),
    "chat:slack_install#no-app": case(
        _url("slack_install"), method="post", people_admin=400, **ADMIN
    ),
    "chat:slack_callback": case(_url("slack_callback"), people_admin=400, **ADMIN),
    "chat:slack_check": case(_url("slack_check"), method="post", people_admin=400, **ADMIN),
    "chat:slack_disconnect": case(
        _url("slack_disconnect"), method="post", people_admin=400, **ADMIN
    ),
    "chat:slack_events": case(
        _url("slack_events"),
        method="post",
        setup=_app,
        data=lambda w, x: {"type": "url_verification", "challenge": "x"},
        default=403,
        anonymous=403,
        inactive=403,
    ),
}
