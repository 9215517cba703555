"""Provisioning (SCIM): people admins make, name and revoke the bearer tokens an identity
provider provisions people with. The protocol itself is culture/scim/."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from culture import access
from culture.forms import ScimTokenForm
from culture.http import AuthedHttpRequest
from culture.models import ScimToken
from culture.scim import tokens


def _page(
    request: AuthedHttpRequest,
    form: ScimTokenForm,
    *,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(
        request,
        "culture/scim_tokens.html",
        {
            "form": form,
            "tokens": ScimToken.objects.for_listing(),
            "new_token": new_token,
            "base_url": request.build_absolute_uri("/scim/v2/"),
        },
        status=status,
    )
    if new_token is not None:  # shown once: never from a cache, never again
        response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def scim_tokens(request: AuthedHttpRequest) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    if request.method == "GET":
        return _page(request, ScimTokenForm())
    form = ScimTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    _row, token = tokens.do_create_token(by=admin, name=form.cleaned_data["name"])
    # The token is in this answer only: it is stored as a digest (rendered, not redirected).
    return _page(request, ScimTokenForm(), new_token=token)


@require_POST
def scim_token_revoke(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    admin = access.require_people_admin(request.user)
    token = access.get_scim_token_for_user(admin, token_id)
    if tokens.do_revoke_token(by=admin, token=token):
        messages.success(
            request, _("“%(name)s” was revoked: it opens nothing any more.") % {"name": token.name}
        )
    return redirect("scim_tokens")
