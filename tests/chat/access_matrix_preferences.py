"""Delivery preferences: every active person has their own page (and saves only their own:
the page takes no person id); the company's default is people admins' (403 for others)."""

from django.urls import reverse

from tests.matrix import case

_CHANNELS = {
    "channel_keeper": "email",
    "channel_circles": "app",
    "channel_feedback": "email",
    "channel_memos": "email",
    "channel_pay": "email",
    "channel_team": "email",
}

CASES = {
    "chat:preferences": case(lambda w, x: reverse("chat:preferences"), default=200),
    "chat:preferences#save": case(
        lambda w, x: reverse("chat:preferences"),
        method="post",
        data=lambda w, x: {**_CHANNELS, "digest_at": "08:00"},
        default=302,
    ),
    "chat:defaults": case(lambda w, x: reverse("chat:defaults"), default=403, people_admin=200),
    "chat:defaults#save": case(
        lambda w, x: reverse("chat:defaults"),
        method="post",
        data=lambda w, x: dict(_CHANNELS),
        default=403,
        people_admin=302,
    ),
}
