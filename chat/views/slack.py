"""The Slack page under company settings, for people admins: the app's credentials and its
manifest, "Add to Slack" (OAuth v2) and its callback, checking and disconnecting; and the
Events API endpoint Slack itself calls. Thin views: parse, access gate, form, one service
call (chat.slack_admin), render."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from slack_sdk.signature import SignatureVerifier

from chat import slack, slack_admin
from chat.forms_slack import SlackAppForm
from chat.models import ChatSettings, SlackInstallation
from culture.access import require_people_admin

TEMPLATE = "chat/slack.html"


def _app_form(chat_settings: ChatSettings, data=None) -> SlackAppForm:
    return SlackAppForm(
        data,
        initial={"client_id": chat_settings.slack_client_id},
        has_client_secret=bool(chat_settings.slack_client_secret_encrypted),
        has_signing_secret=bool(chat_settings.slack_signing_secret_encrypted),
    )


def _csp_with_slack(response: HttpResponse) -> HttpResponse:
    """ "Add to Slack" is a form whose answer redirects to Slack's authorize page: the
    browser checks that redirect against this page's form-action, so Slack's origin is
    allowed there (this page only). What django.views.decorators.csp.csp_override sets,
    computed per request because SLACK_AUTHORIZE_URL is a setting."""
    parts = urlsplit(settings.SLACK_AUTHORIZE_URL)
    config: dict[str, object] = dict(settings.SECURE_CSP)
    config["form-action"] = [CSP.SELF, f"{parts.scheme}://{parts.netloc}"]
    response._csp_config = config  # type: ignore[attr-defined]
    return response


def _page(request, *, form=None, error: str = "", status: int = 200):
    chat_settings = ChatSettings.objects.filter(pk=1).first() or ChatSettings()
    installation = (
        SlackInstallation.objects.select_related("installed_by").filter(pk=1).first()
        or SlackInstallation()
    )
    connected = installation.is_connected
    context = {
        "form": form or _app_form(chat_settings),
        "app_is_set": slack_admin.app_is_set(chat_settings),
        "has_signing_secret": bool(chat_settings.slack_signing_secret_encrypted),
        "installation": installation,
        "matched": slack.matched_count(installation) if connected else None,
        "manifest": slack_admin.manifest(),
        "redirect_url": slack_admin.redirect_url(),
        "events_url": slack_admin.events_url(),
        "scopes": slack.SCOPES,
        "error": error,
        "now": timezone.now(),
    }
    template = TEMPLATE + ("#app" if request.htmx and form is not None else "")
    return _csp_with_slack(render(request, template, context, status=status))


@require_GET
def page(request):
    require_people_admin(request.user)
    return _page(request)


@require_POST
def save_app(request):
    admin = require_people_admin(request.user)
    chat_settings = ChatSettings.objects.filter(pk=1).first() or ChatSettings()
    form = _app_form(chat_settings, request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    slack_admin.do_save_app(
        by=admin,
        client_id=form.cleaned_data["client_id"],
        client_secret=form.cleaned_data["client_secret"].strip(),
        signing_secret=form.cleaned_data["signing_secret"].strip(),
    )
    messages.success(request, _("Saved the Slack app's credentials. Now click “Add to Slack”."))
    return redirect("chat:slack")


@require_POST
def install(request):
    admin = require_people_admin(request.user)
    try:
        url = slack_admin.start_install(request.session, by=admin)
    except slack_admin.SlackSetupError as exc:
        return _page(request, error=exc.message, status=exc.status)
    return redirect(url)


@require_GET
def callback(request):
    """Slack sends the admin back here with `code` and `state` (or `error`)."""
    admin = require_people_admin(request.user)
    try:
        slack_admin.check_state(request.session, request.GET.get("state", ""), by=admin)
        if request.GET.get("error"):
            raise slack_admin.SlackSetupError(
                _(
                    "Slack did not connect: %(error)s (the app was not allowed "
                    "in the workspace). Nothing changed."
                )
                % {"error": request.GET["error"]}
            )
        code = request.GET.get("code", "")
        if not code:
            raise slack_admin.SlackSetupError(_("Slack sent no code: click “Add to Slack” again."))
        installation = slack_admin.do_install(by=admin, code=code)
    except slack_admin.SlackSetupError as exc:
        return _page(request, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("Connected to the Slack workspace %(workspace)s. People are being matched by email.")
        % {"workspace": installation.team_name},
    )
    return redirect("chat:slack")


@require_POST
def check(request):
    admin = require_people_admin(request.user)
    try:
        said = slack_admin.check_connection(by=admin)
    except slack_admin.SlackSetupError as exc:
        return _page(request, error=exc.message, status=exc.status)
    messages.success(request, said)
    return redirect("chat:slack")


@require_POST
def disconnect(request):
    admin = require_people_admin(request.user)
    try:
        count = slack_admin.do_disconnect(by=admin)
    except slack_admin.SlackSetupError as exc:
        return _page(request, error=exc.message, status=exc.status)
    messages.success(
        request,
        ngettext(
            "Disconnected Slack. Messages go by email; %(count)s waiting for Slack went by email.",
            "Disconnected Slack. Messages go by email; %(count)s waiting for Slack went by email.",
            count,
        )
        % {"count": count},
    )
    return redirect("chat:slack")


@login_not_required
@csrf_exempt
@require_http_methods(["POST"])
def events(request):
    """Slack's Events API: signed with the app's signing secret (403 otherwise)."""
    secret = slack_admin.signing_secret()
    if not secret or not SignatureVerifier(secret).is_valid_request(
        request.body, dict(request.headers)
    ):
        raise PermissionDenied
    try:
        body = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("not JSON")
    if not isinstance(body, dict):
        return HttpResponseBadRequest("not a JSON object")
    answer = slack_admin.handle_event(body)
    return JsonResponse(answer) if answer is not None else HttpResponse(status=200)
