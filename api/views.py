"""The token pages: each person's own personal tokens (from the account menu), and the
service tokens people admins make for integrations (from company settings). A token is
shown once, in the answer to the form that made it (rendered, never redirected to)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import access as api_access
from api import tokens
from api.forms import TokenForm
from api.models import SCOPES, ApiToken
from culture import access
from culture.http import AuthedHttpRequest


def _page(
    request: AuthedHttpRequest,
    form: TokenForm,
    *,
    service: bool,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = (
        ApiToken.objects.service()
        if service
        else ApiToken.objects.personal_of(request.user).select_related("revoked_by")
    )
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": rows,
            "service": service,
            "new_token": new_token,
            "scopes": SCOPES,
            "base_url": request.build_absolute_uri("/api/v1/"),
        },
        status=status,
    )
    if new_token is not None:  # shown once: never from a cache, never again
        response["Cache-Control"] = "no-store"
    return response


def _form(request: AuthedHttpRequest, *, service: bool, data: QueryDict | None = None) -> TokenForm:
    return TokenForm(data, person=None if service else request.user)


def _create(request: AuthedHttpRequest, *, service: bool) -> HttpResponse:
    form = _form(request, service=service, data=request.POST)
    if not form.is_valid():
        return _page(request, form, service=service, status=422)
    data = form.cleaned_data
    try:
        _row, token = tokens.do_create_token(
            by=request.user,
            name=data["name"],
            scopes=data["scopes"],
            days=data["days"],
            kind=ApiToken.Kind.SERVICE if service else ApiToken.Kind.PERSONAL,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, form, service=service, status=422)
    return _page(request, _form(request, service=service), service=service, new_token=token)


@require_http_methods(["GET", "POST"])
def personal_tokens(request: AuthedHttpRequest) -> HttpResponse:
    access.require_active(request.user)
    if request.method == "POST":
        return _create(request, service=False)
    return _page(request, _form(request, service=False), service=False)


@require_POST
def personal_token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    token = api_access.get_personal_token_for_user(request.user, token_id)
    if tokens.do_revoke_token(by=request.user, token=token):
        messages.success(
            request, _("“%(name)s” was revoked: it opens nothing any more.") % {"name": token.name}
        )
    return redirect("api_tokens")


@require_http_methods(["GET", "POST"])
def service_tokens(request: AuthedHttpRequest) -> HttpResponse:
    access.require_people_admin(request.user)
    if request.method == "POST":
        return _create(request, service=True)
    return _page(request, _form(request, service=True), service=True)


@require_POST
def service_token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    token = api_access.get_service_token_for_user(request.user, token_id)
    if tokens.do_revoke_token(by=request.user, token=token):
        messages.success(
            request, _("“%(name)s” was revoked: it opens nothing any more.") % {"name": token.name}
        )
    return redirect("api_service_tokens")
