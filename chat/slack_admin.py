"""Slack, the people admin's side: the app's credentials, the OAuth v2 install, checking and
disconnecting, Slack's Events API, and what follows a revocation (pending Slack messages go
by email, the people admins are told).

Services for chat.views.slack and chat.tasks; chat.slack (the sender) imports none of this,
so chat.delivery and culture.notifications, which reach chat.slack, never come back here.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth import AuthorizeUrlGenerator

from chat import delivery, slack
from chat.models import ChatSettings, SlackInstallation
from culture import audit, jobs
from culture.i18n import as_reader
from culture.models import Person
from culture.notifications import notify
from sso import crypto

log = logging.getLogger(__name__)

STATE_SESSION_KEY = "chat.slack.oauth_state"
STATE_TTL_SECONDS = 600
BOT_EVENTS = ["app_uninstalled", "tokens_revoked"]


class SlackSetupError(Exception):
    """Something the admin must read: shown on the Slack page."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def redirect_url() -> str:
    return f"{settings.SITE_URL}{reverse('chat:slack_callback')}"


def events_url() -> str:
    return f"{settings.SITE_URL}{reverse('chat:slack_events')}"


def manifest() -> str:
    """The app manifest to paste at api.slack.com (JSON, which Slack accepts as is). The
    app's description is read by everyone in the workspace: the company's language."""
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Reminders and invitations from Culture, as direct messages.")
    return json.dumps(
        {
            "display_information": {
                "name": "Culture",
                "description": description,
            },
            "features": {"bot_user": {"display_name": "Culture", "always_online": False}},
            "oauth_config": {
                "redirect_urls": [redirect_url()],
                "scopes": {"bot": slack.SCOPES},
            },
            "settings": {
                "event_subscriptions": {"request_url": events_url(), "bot_events": BOT_EVENTS},
                "org_deploy_enabled": False,
                "socket_mode_enabled": False,
                "token_rotation_enabled": False,
            },
        },
        indent=2,
    )


# --- the app's credentials --------------------------------------------------------------------


def app_is_set(chat_settings: ChatSettings) -> bool:
    return bool(chat_settings.slack_client_id and chat_settings.slack_client_secret_encrypted)


def do_save_app(*, by: Person, client_id: str, client_secret: str, signing_secret: str) -> None:
    """Store the Slack app's client ID and (encrypted) secrets; a blank secret keeps the one
    stored. Audited, without the secrets."""
    with transaction.atomic():
        ChatSettings.objects.get_or_create(pk=1)
        chat_settings = ChatSettings.objects.select_for_update().get(pk=1)
        chat_settings.slack_client_id = client_id
        if client_secret:
            chat_settings.slack_client_secret_encrypted = crypto.encrypt(client_secret)
        if signing_secret:
            chat_settings.slack_signing_secret_encrypted = crypto.encrypt(signing_secret)
        chat_settings.updated_by = by
        chat_settings.save()
        audit.record(
            by,
            "chat.slack_app_saved",
            obj=chat_settings,
            detail={
                "client_id": client_id,
                "client_secret_changed": bool(client_secret),
                "signing_secret_changed": bool(signing_secret),
            },
        )


# --- OAuth v2 ---------------------------------------------------------------------------------


def start_install(session, *, by: Person) -> str:
    """Slack's authorize URL for this admin, with a state bound to their session (single
    use, valid STATE_TTL_SECONDS)."""
    chat_settings = ChatSettings.load()
    if not app_is_set(chat_settings):
        raise SlackSetupError(_("Enter the Slack app's client ID and client secret first."))
    state = secrets.token_urlsafe(32)
    session[STATE_SESSION_KEY] = {
        "state": state,
        "by": by.pk,
        "expires": time.time() + STATE_TTL_SECONDS,
    }
    generator = AuthorizeUrlGenerator(
        client_id=quote(chat_settings.slack_client_id, safe=""),
        redirect_uri=quote(redirect_url(), safe=""),
        scopes=slack.SCOPES,
        authorization_url=settings.SLACK_AUTHORIZE_URL,
    )
    return generator.generate(state)


def check_state(session, state: str, *, by: Person) -> None:
    """The callback's state is the one this session started, not used, not expired."""
    expected = session.pop(STATE_SESSION_KEY, None)
    if (
        not isinstance(expected, dict)
        or not state
        or not hmac.compare_digest(str(expected.get("state", "")), state)
        or expected.get("by") != by.pk
    ):
        raise SlackSetupError(
            _(
                "This answer from Slack does not match a connection started here (or was "
                "already used): click “Add to Slack” again."
            )
        )
    if float(expected.get("expires", 0)) < time.time():
        raise SlackSetupError(
            _("The connection took longer than 10 minutes: click “Add to Slack” again.")
        )


def do_install(*, by: Person, code: str) -> SlackInstallation:
    """Exchange the code for the bot token (oauth.v2.access), store the workspace with the
    token encrypted, start afresh (not revoked, not paused), sync the users after commit."""
    chat_settings = ChatSettings.load()
    if not app_is_set(chat_settings):
        raise SlackSetupError(_("Enter the Slack app's client ID and client secret first."))
    try:
        client_secret = crypto.decrypt(chat_settings.slack_client_secret_encrypted)
    except crypto.Unreadable:
        raise SlackSetupError(
            _(
                "The stored client secret cannot be read (the encryption key changed): "
                "enter it again."
            )
        )
    try:
        answer = slack.client().oauth_v2_access(
            client_id=chat_settings.slack_client_id,
            client_secret=client_secret,
            code=code,
            redirect_uri=redirect_url(),
        )
    except SlackApiError as exc:
        error = slack.slack_error(exc) or f"HTTP {exc.response.status_code}"
        raise SlackSetupError(
            _("Slack refused the connection: %(error)s.") % {"error": error}, status=502
        )
    except (OSError, SlackClientError) as exc:
        raise SlackSetupError(
            _("Could not reach Slack (%(error)s): try again.") % {"error": exc}, status=502
        )
    if answer.get("token_type", "bot") != "bot" or not answer.get("access_token"):
        raise SlackSetupError(_("Slack did not give a bot token: check the app's scopes."), 502)
    team = answer.get("team") or {}
    with transaction.atomic():
        installation = SlackInstallation.load()
        previous_team = installation.team_id
        installation.team_id = str(team.get("id") or "")
        installation.team_name = str(team.get("name") or "")
        installation.app_id = str(answer.get("app_id") or "")
        installation.bot_user_id = str(answer.get("bot_user_id") or "")
        installation.bot_token_encrypted = crypto.encrypt(answer["access_token"])
        installation.scopes = str(answer.get("scope") or "")
        installation.installed_by = by
        installation.installed_at = timezone.now()
        installation.revoked_at = None
        installation.revoked_reason = ""
        installation.paused_until = None
        installation.save()
        audit.record(
            by,
            "chat.slack_connected",
            obj=installation,
            detail={
                "team_id": installation.team_id,
                "team_name": installation.team_name,
                "previous_team_id": previous_team,
                "scopes": installation.scopes,
            },
        )
        jobs.after_commit("chat.tasks.sync_slack_users")
    return installation


# --- checking and disconnecting --------------------------------------------------------------


def check_connection(*, by: Person) -> str:
    """auth.test with the bot token: what Slack says, for the page. A revoked token is
    recorded (and everything that follows it)."""
    installation = SlackInstallation.active()
    if installation is None:
        raise SlackSetupError(_("Slack is not connected."))
    try:
        answer = slack.bot_client(installation).auth_test()
    except crypto.Unreadable:
        raise SlackSetupError(_("The stored token cannot be read: connect Slack again."))
    except SlackApiError as exc:
        error = slack.slack_error(exc)
        if error in slack.REVOKED_ERRORS:
            reason = slack.revoked_reason(error)
            revoked(reason)
            raise SlackSetupError(
                _("%(reason)s. Messages go by email; connect again.") % {"reason": reason}
            )
        raise SlackSetupError(
            _("Slack answered %(error)s.") % {"error": error or exc.response.status_code},
            status=502,
        )
    except (OSError, SlackClientError) as exc:
        raise SlackSetupError(_("Could not reach Slack (%(error)s).") % {"error": exc}, status=502)
    audit.record(by, "chat.slack_checked", obj=installation)
    team = answer.get("team") or installation.team_name
    if answer.get("user"):
        return _("Connected to %(team)s as @%(user)s.") % {"team": team, "user": answer["user"]}
    return _("Connected to %(team)s as @the bot.") % {"team": team}


def do_disconnect(*, by: Person) -> int:
    """Revoke the token at Slack (auth.revoke; Slack unreachable, it is forgotten here
    anyway), mark the installation revoked, send every pending Slack message by email.
    How many fell back."""
    installation = SlackInstallation.active()
    if installation is None:
        raise SlackSetupError(_("Slack is not connected."))
    try:
        slack.bot_client(installation).auth_revoke()
    except (crypto.Unreadable, SlackClientError, OSError) as exc:
        log.warning("auth.revoke failed (%s); disconnecting here anyway", exc)
    reason = f"Disconnected by {by.name}"
    audit.record(by, "chat.slack_disconnected", obj=installation)
    return revoked(reason, notify_admins=False)


def revoked(reason: str, *, notify_admins: bool = True) -> int:
    """Record a revocation now (if not already) and do what follows it at once."""
    at = slack.mark_revoked(reason, follow_up=False)
    count = delivery.fall_back_all(reason)
    if at is not None and notify_admins:
        tell_admins_revoked(reason, at.isoformat())
    return count


def tell_admins_revoked(reason: str, revoked_at: str) -> int:
    """Each active people admin, in the app and by email, once per revocation."""
    told = 0
    url = reverse("chat:slack")
    for admin in Person.objects.filter(is_people_admin=True, is_active=True):
        # The reason is Slack's answer as recorded (a diagnostic), around it their language.
        with as_reader(admin):
            title = _("Slack was disconnected: messages go by email")
            body = _(
                "%(reason)s. Everyone who chose Slack gets email until someone connects "
                "Slack again on the Slack page."
            ) % {"reason": reason}
        created = notify(
            admin,
            key=f"chat.slack_revoked:{revoked_at}:{admin.pk}",
            kind="chat.slack_revoked",
            title=title,
            body=body,
            url=url,
            in_app=True,
            email=True,
        )
        told += created is not None
    return told


def after_revocation(reason: str, revoked_at: str) -> int:
    """chat.tasks.slack_revoked: pending Slack messages by email, admins told."""
    count = delivery.fall_back_all(reason)
    tell_admins_revoked(reason, revoked_at)
    return count


# --- Events API -------------------------------------------------------------------------------


def signing_secret() -> str:
    encrypted = ChatSettings.load().slack_signing_secret_encrypted
    try:
        return crypto.decrypt(encrypted)
    except crypto.Unreadable:
        return ""


def handle_event(body: dict) -> dict | None:
    """A verified Events API request: the answer's JSON (url_verification), else None.
    app_uninstalled and tokens_revoked (for our bot) revoke the installation."""
    if body.get("type") == "url_verification":
        return {"challenge": str(body.get("challenge", ""))}
    event = body.get("event") or {}
    installation = SlackInstallation.active()
    if installation is None or body.get("team_id") != installation.team_id:
        return None
    if event.get("type") == "app_uninstalled":
        revoked("Slack says the app was uninstalled from the workspace")
    elif event.get("type") == "tokens_revoked":
        bots = (event.get("tokens") or {}).get("bot") or []
        if installation.bot_user_id in bots or not installation.bot_user_id:
            revoked("Slack says the bot token was revoked")
    return None
