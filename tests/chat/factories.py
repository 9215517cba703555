"""Chat factories: a connected Slack workspace, and Slack messages as culture.notifications
writes them (a held email standing in for each, a ChatDelivery carrying Block Kit)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from chat import blocks
from chat.delivery import SLACK_GIVE_UP
from chat.models import ChatDelivery, ChatSettings, SlackInstallation, SlackUser
from culture.models import Delivery, Person
from sso import crypto
from tests.chat import slack_standin as s

_seq = itertools.count(1)


def make_slack_app() -> ChatSettings:
    chat_settings = ChatSettings.load()
    chat_settings.slack_client_id = s.CLIENT_ID
    chat_settings.slack_client_secret_encrypted = crypto.encrypt(s.CLIENT_SECRET)
    chat_settings.slack_signing_secret_encrypted = crypto.encrypt(s.SIGNING_SECRET)
    chat_settings.save()
    return chat_settings


def make_installation(*, by: Person | None = None, token: str = s.BOT_TOKEN, **fields):
    make_slack_app()
    installation = SlackInstallation.load()
    values = {
        "team_id": s.TEAM_ID,
        "team_name": s.TEAM_NAME,
        "app_id": s.APP_ID,
        "bot_user_id": s.BOT_USER_ID,
        "bot_token_encrypted": crypto.encrypt(token),
        "scopes": "chat:write,im:write,users:read,users:read.email",
        "installed_by": by,
        "installed_at": timezone.now(),
        "revoked_at": None,
        "revoked_reason": "",
        "paused_until": None,
        **fields,
    }
    for k, v in values.items():
        setattr(installation, k, v)
    installation.save()
    return installation


def slack_user(person: Person, user_id: str) -> SlackUser:
    return SlackUser.objects.update_or_create(
        person=person, defaults={"team_id": s.TEAM_ID, "slack_user_id": user_id}
    )[0]


def make_slack_message(
    person: Person,
    *,
    kind: str = "keeper.nudge",
    title: str = "Keeper test: 2 people left to answer",
    url: str = "/keeper/",
    key: str | None = None,
) -> ChatDelivery:
    """What notify() writes for a person who chose Slack: a held email and its Slack row."""
    key = key or f"test:slack:{next(_seq)}:{person.pk}"
    now = timezone.now()
    email = Delivery.objects.create(
        key=key,
        recipient=person,
        to_email=person.email,
        subject=title,
        text_body=f"{title}\n",
        status=Delivery.Status.HELD,
        held_for="slack",
    )
    return ChatDelivery.objects.create(
        key=f"slack:{key}",
        channel=ChatDelivery.Channel.SLACK,
        recipient=person,
        email=email,
        kind=kind,
        text=title,
        payload=blocks.slack_message(kind=kind, title=title, url=url),
        give_up_at=now + SLACK_GIVE_UP,
    )
