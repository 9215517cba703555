"""Slack: the Web API client, the sender chat.delivery calls for each Slack message, and the
user sync that matches people to Slack users by email.

Every call goes through slack-sdk's WebClient with `retry_handlers=[]` and a short timeout:
a retry is the ledger's business (chat.delivery settles each row by the Outcome returned
here), never a client that sleeps inside a worker.

What Slack answers, and what the row becomes:
- ok: sent (its stand-in email is skipped);
- HTTP 429: retry after exactly its Retry-After, the whole channel paused until then;
- HTTP 5xx, a refused connection, a timeout: retry with the ledger's backoff, channel paused;
- the token is gone (token_revoked, invalid_auth, account_inactive, not_authed,
  app_uninstalled): the installation is marked revoked, this row and every pending Slack
  message fall back to email, and the people admins are told (once per revocation, through
  the chat.tasks.slack_revoked task, so this module imports neither chat.delivery nor
  culture.notifications, both of which reach back here);
- the person is not in Slack (users_not_found) or this message cannot go (user_disabled,
  channel_not_found, ...): this row falls back to email.

The admin side (install, check, disconnect) is chat.slack_admin.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from django.conf import settings
from django.db.models.functions import Lower
from django.utils import timezone
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from chat.models import ChatDelivery, SlackInstallation, SlackUser
from chat.outcome import Outcome
from culture import jobs
from culture.models import Person
from sso import crypto

log = logging.getLogger(__name__)

# The bot scopes the app asks for: DMs (chat:write, im:write) and finding people by email.
SCOPES = ["chat:write", "im:write", "users:read", "users:read.email"]
# Seconds to connect and to read an answer: a worker never waits long on Slack.
TIMEOUT = 10
# Posts of one batch in flight at once. Each is a round trip to Slack's servers (tens to
# hundreds of milliseconds away), so one at a time a worker process spends its time
# waiting; each post goes to its own DM channel, which Slack limits to about one message
# a second, and a 429 pauses the whole channel (the rest of the batch is given back).
# A worker that dies re-sends at most these (the ledger's lease).
POSTS_IN_FLIGHT = 8
# Slack's errors that mean the token itself no longer works.
REVOKED_ERRORS = frozenset(
    {"token_revoked", "invalid_auth", "account_inactive", "not_authed", "app_uninstalled"}
)
# When a 429 carries no Retry-After (Slack always sends one): a minute.
DEFAULT_RETRY_AFTER = 60.0


def client(token: str | None = None) -> WebClient:
    """A WebClient on settings.SLACK_API_URL that never retries by itself."""
    return WebClient(
        token=token or None,
        base_url=settings.SLACK_API_URL,
        timeout=TIMEOUT,
        retry_handlers=[],
    )


def bot_client(installation: SlackInstallation) -> WebClient:
    """The client with the installation's bot token (crypto.Unreadable if the key changed)."""
    return client(crypto.decrypt(installation.bot_token_encrypted))


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code (`token_revoked`, ...) from a failed call, or ""."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error") or "") if isinstance(data, dict) else ""


def retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers if exc.response is not None else {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else DEFAULT_RETRY_AFTER
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def mark_revoked(reason: str, *, follow_up: bool = True) -> datetime | None:
    """Slack says the token is gone: record it once. The first caller (a conditional
    UPDATE: two workers cannot both win) hands the consequences to chat.tasks.slack_revoked
    (pending Slack messages fall back to email; the people admins are told) unless
    `follow_up` is False (the caller does them). When it was revoked, or None when it
    already was. A lost hand-over loses nothing: a pending Slack message finds no
    installation when its turn comes and falls back then."""
    now = timezone.now()
    changed = SlackInstallation.objects.filter(
        pk=1, revoked_at__isnull=True, installed_at__isnull=False
    ).update(revoked_at=now, revoked_reason=reason[:200], paused_until=None)
    if not changed:
        return None
    log.warning("Slack token revoked: %s", reason)
    if follow_up:
        jobs.after_commit("chat.tasks.slack_revoked", reason[:200], now.isoformat())
    return now


def revoked_reason(error: str) -> str:
    return f"Slack answered {error}: the app was uninstalled or its token revoked"


def no_pause(_row: ChatDelivery) -> bool:
    return False


class Sender:
    """Sends Slack messages with the connected workspace's bot token. One per batch."""

    def __init__(self, installation: SlackInstallation | None):
        self.installation = installation
        self.gone = "" if installation is not None else "Slack is not connected"
        self.web: WebClient | None = None
        if installation is not None:
            try:
                self.web = bot_client(installation)
            except crypto.Unreadable:
                self.gone = (
                    "The Slack token cannot be decrypted (the encryption key changed): "
                    "connect Slack again"
                )

    @classmethod
    def for_active_installation(cls) -> Sender:
        return cls(SlackInstallation.active())

    def send(self, row: ChatDelivery) -> Outcome:
        ((_row, outcome),) = (answer for wave in self.send_each([row], no_pause) for answer in wave)
        assert outcome is not None  # never paused
        return outcome

    def send_each(
        self, rows: list[ChatDelivery], paused: Callable[[ChatDelivery], bool]
    ) -> Iterator[list[tuple[ChatDelivery, Outcome | None]]]:
        """Each row with what Slack said, in waves as the answers come (the posts answered
        while the caller was settling the wave before arrive together): up to
        POSTS_IN_FLIGHT posts at once, on threads that only post (every lookup and every
        write stays on the caller's thread and its database connection). A row is asked
        `paused(row)` just before it would go, and answered None (not tried) when it is: the
        caller settles each wave before the next row is asked, so a 429 stops the rest of
        the batch.

        The first post goes alone: only once Slack has answered it with anything but "wait"
        do the others go together, so a limited or failing Slack costs one request a batch,
        as one at a time did."""
        cached = self._cached_user_ids({r.recipient_id for r in rows if r.recipient_id})
        waiting = deque(rows)
        flying: dict[Future[Exception | None], ChatDelivery] = {}
        window = 1
        with ThreadPoolExecutor(POSTS_IN_FLIGHT, thread_name_prefix="slack-post") as pool:
            while waiting or flying:
                while waiting and len(flying) < window:
                    row = waiting.popleft()
                    if paused(row):
                        yield [(row, None)]
                        continue
                    user_id, outcome = self._recipient(row, cached)
                    if outcome is not None:
                        yield [(row, outcome)]
                        continue
                    flying[pool.submit(self._post, row, user_id)] = row
                if flying:
                    done = deque(wait(flying, return_when=FIRST_COMPLETED).done)
                    wave: list[tuple[ChatDelivery, Outcome | None]] = []
                    unexpected: BaseException | None = None
                    while done:
                        future = done.popleft()
                        row = flying.pop(future)
                        try:
                            outcome = self._outcome(future.result())
                        except Exception as exc:  # noqa: BLE001 - raised after the wave
                            # A bug, not Slack: its row stays claimed (the sweeper hands it
                            # over after the lease). The posts in flight beside it are
                            # waited for and settled first, so none of them goes twice.
                            unexpected = unexpected or exc
                            done.extend(f for f in wait(flying).done if f not in done)
                            continue
                        if outcome.status != "retry":
                            window = POSTS_IN_FLIGHT
                        wave.append((row, outcome))
                    yield wave
                    if unexpected is not None:
                        raise unexpected

    def _recipient(self, row: ChatDelivery, cached: dict[int, str]) -> tuple[str, Outcome | None]:
        """The Slack user id to post `row` to, or why it cannot go."""
        if self.gone or self.web is None or self.installation is None:
            return "", Outcome.fallback(self.gone or "Slack is not connected")
        if row.recipient_id is None:
            return "", Outcome.fallback("A Slack message with no recipient")
        try:
            user_id = cached.get(row.recipient_id)
            if user_id is None:
                user_id = cached[row.recipient_id] = self.user_id(row.recipient_id)
        except Exception as exc:  # noqa: BLE001 - what Slack said, as for a post
            return "", self._outcome(exc)
        if not user_id:
            return "", Outcome.fallback("Not found in Slack by their email address")
        return user_id, None

    def _post(self, row: ChatDelivery, user_id: str) -> Exception | None:
        """On a pool thread: the post alone. What went wrong is returned, not raised."""
        assert self.web is not None
        try:
            self.web.chat_postMessage(
                channel=user_id, text=row.payload["text"], blocks=row.payload["blocks"]
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            return exc
        return None

    def _outcome(self, exc: Exception | None) -> Outcome:
        if exc is None:
            return Outcome.sent()
        if isinstance(exc, SlackApiError):
            return self._api_error(exc)
        if isinstance(exc, (OSError, SlackClientError)):
            # A refused connection, a timeout, a reset: Slack (or the way to it) is down.
            return Outcome.retry(f"Could not reach Slack: {exc}", pause=True)
        raise exc

    def _cached_user_ids(self, person_ids: set[int]) -> dict[int, str]:
        """The cached Slack user ids of these people in this workspace, in one query."""
        if self.installation is None or not person_ids:
            return {}
        return dict(
            SlackUser.objects.filter(
                person_id__in=person_ids, team_id=self.installation.team_id
            ).values_list("person_id", "slack_user_id")
        )

    def user_id(self, person_id: int) -> str:
        """The person's Slack user id in this workspace ("" when not in it): the cache,
        else users.lookupByEmail (whose answer is cached either way)."""
        assert self.installation is not None and self.web is not None
        team_id = self.installation.team_id
        cached = self._cached_user_ids({person_id}).get(person_id)
        if cached is not None:
            return cached
        email = Person.objects.filter(pk=person_id).values_list("email", flat=True).first()
        found = ""
        if email:
            try:
                found = self.web.users_lookupByEmail(email=email)["user"]["id"]
            except SlackApiError as exc:
                if slack_error(exc) != "users_not_found":
                    raise
        SlackUser.objects.update_or_create(
            person_id=person_id,
            defaults={"team_id": team_id, "slack_user_id": found, "looked_up_at": timezone.now()},
        )
        return found

    def _api_error(self, exc: SlackApiError) -> Outcome:
        status = exc.response.status_code if exc.response is not None else 0
        error = slack_error(exc)
        if status == 429 or error == "ratelimited":
            after = retry_after(exc)
            return Outcome.retry(
                f"Slack rate limit: retry after {after:g} s", after=after, pause=True
            )
        if status >= 500:
            return Outcome.retry(f"Slack answered HTTP {status} {error}".strip(), pause=True)
        if error in REVOKED_ERRORS:
            reason = revoked_reason(error)
            mark_revoked(reason)
            # The rest of this batch falls back without asking Slack again.
            self.gone = reason
            return Outcome.fallback(reason, revoked=True)
        return Outcome.fallback(f"Slack answered {error or f'HTTP {status}'}")


# --- matching people to Slack users ---------------------------------------------------------

PAGE_SIZE = 200
# users.list is a Tier 2 method: a 429 waits its Retry-After (at most this) and goes on.
SYNC_MAX_WAIT = 30.0
SYNC_MAX_RATE_LIMITS = 5


def workspace_emails(web: WebClient) -> dict[str, str]:
    """lower-cased email -> Slack user id, for every active human in the workspace."""
    emails: dict[str, str] = {}
    cursor: str | None = None
    limited = 0
    while True:
        try:
            page = web.users_list(limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            if exc.response is not None and exc.response.status_code == 429:
                limited += 1
                if limited <= SYNC_MAX_RATE_LIMITS:
                    time.sleep(min(retry_after(exc), SYNC_MAX_WAIT))
                    continue
            raise
        for member in page.get("members") or []:
            if member.get("deleted") or member.get("is_bot") or member.get("id") == "USLACKBOT":
                continue
            email = (member.get("profile") or {}).get("email")
            if email:
                emails[email.strip().lower()] = member["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return emails


def sync_users(installation: SlackInstallation) -> int:
    """Match every active person to their Slack user by email (case-insensitive), in bulk:
    one SELECT of the people, one INSERT ... ON CONFLICT per thousand. People not in Slack
    are stored with no id (they get email). How many were matched. A revoked token is
    recorded (mark_revoked) and 0 returned."""
    web = bot_client(installation)
    try:
        emails = workspace_emails(web)
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in REVOKED_ERRORS:
            mark_revoked(revoked_reason(error))
            return 0
        raise
    now = timezone.now()
    people = Person.objects.filter(is_active=True).values_list("pk", Lower("email"))
    rows = [
        SlackUser(
            person_id=pk,
            team_id=installation.team_id,
            slack_user_id=emails.get(email or "", ""),
            looked_up_at=now,
        )
        for pk, email in people
    ]
    SlackUser.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["person"],
        update_fields=["team_id", "slack_user_id", "looked_up_at"],
    )
    SlackInstallation.objects.filter(pk=installation.pk).update(users_synced_at=now)
    return sum(1 for row in rows if row.slack_user_id)


def matched_count(installation: SlackInstallation) -> int:
    """How many people were found in the workspace (one query)."""
    return (
        SlackUser.objects.filter(team_id=installation.team_id, person__is_active=True)
        .exclude(slack_user_id="")
        .count()
    )
