"""What a chat message says: a Slack Block Kit message and a Teams Adaptive Card, each with
what it is, why it matters (one line), and a button back to the page. JSON for the chat
APIs, not markup: Slack escapes nothing, so the three characters its mrkdwn reads (&, <, >)
are escaped here (https://api.slack.com/reference/surfaces/formatting#escaping)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chat import kinds
from culture.i18n import as_reader

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# One line of context per group: why the message matters.
WHY = {
    "keeper": gettext_lazy(
        "Keeper tests keep the bar high: would you fight hard to keep each of them?"
    ),
    "circles": gettext_lazy(
        "Feedback circles are where candour happens live, with the whole team."
    ),
    "feedback": gettext_lazy("Candid feedback, given often, is how everyone gets better."),
    "memos": gettext_lazy(
        "Farm for dissent: the captain decides better when people say what they think."
    ),
    "pay": gettext_lazy(
        "Pay at the top of each person's market keeps the people we would fight to keep."
    ),
    "team": gettext_lazy(
        "Context, not control: people decide well when they know what leaders know."
    ),
}
ACCOUNT_WHY = gettext_lazy("A message about your account.")


def _as(reader):
    """Build as `reader` reads (their language and zone), or in the active language."""
    return as_reader(reader) if reader is not None else nullcontext()


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def why_for(kind: str) -> str:
    group = kinds.group_of(kind)
    return str(WHY.get(group, ACCOUNT_WHY) if group else ACCOUNT_WHY)


def slack_message(*, kind: str, title: str, body: str = "", url: str = "", reader=None) -> dict:
    """{"text": fallback text for notifications, "blocks": [...]}, in `reader`'s language
    when given (a message to one person is in theirs), else in the active one."""
    with _as(reader):
        return _slack_message(kind=kind, title=title, body=body, url=url)


def _slack_message(*, kind: str, title: str, body: str, url: str) -> dict:
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{slack_escape(title)}*"}},
    ]
    if body:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(body[:2900])}}
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(why_for(kind))}]}
    )
    if url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _("Open")},
                        "url": absolute(url),
                        "action_id": "open",
                    }
                ],
            }
        )
    return {"text": title, "blocks": blocks}


def slack_digest(items: list[tuple[str, str]], reader=None) -> dict:
    """One Slack message for a day's held messages: (title, url) each, in `reader`'s
    language when given."""
    with _as(reader):
        return _slack_digest(items)


def _slack_digest(items: list[tuple[str, str]]) -> dict:
    lines = [
        f"• <{absolute(url)}|{slack_escape(title)}>" if url else f"• {slack_escape(title)}"
        for title, url in items
    ]
    count = len(items)
    text = ngettext(
        "Your daily digest: %(count)s message", "Your daily digest: %(count)s messages", count
    ) % {"count": count}
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}},
    ]
    # A section's text holds at most 3,000 characters: split the list over several.
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    return {"text": text, "blocks": blocks[:50]}


# --- Microsoft Teams -------------------------------------------------------------------------

# One line of context per kind of channel post (chat.models.TeamsChannel.Post).
TEAMS_WHY = {
    "circles": WHY["circles"],
    "memos": WHY["memos"],
    "feed": gettext_lazy(
        "Celebrate the bets that went well and sunshine the ones that did not: "
        "everyone learns from both."
    ),
    "test": gettext_lazy("A test post, sent from the team's Teams channel settings."),
}


def teams_card(title: str, text: str, why: StrOrPromise, url: str) -> dict:
    """A Teams message carrying one Adaptive Card (1.4, what a Workflows webhook's "Post
    card in a chat or channel" step takes): the title, the text, why it matters (subtle,
    one line) and an Open button back to the page."""
    body: list[dict] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if text:
        body.append({"type": "TextBlock", "text": text, "wrap": True})
    if why:
        body.append({"type": "TextBlock", "text": str(why), "isSubtle": True, "wrap": True})
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": _("Open"), "url": absolute(url)}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }
