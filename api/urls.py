"""/api/v1/ (the API, api.core) and the token pages.

Every API route opens with a bearer token alone (login_not_required: the session is not
asked); the docs page is a page like any other, for people logged in."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt

from api import views
from api.core import api, problem
from api.routes import feedback, keeper, memos, pay, people

api.add_router("", people.router)
api.add_router("", memos.router)
api.add_router("", feedback.router)
api.add_router("", keeper.router)
api.add_router("", pay.router)


@login_not_required
def root(request):
    """/api/v1/ itself: where the reference is (ninja's own root answers 404)."""
    return JsonResponse(
        {
            "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
        }
    )


@csrf_exempt  # it changes nothing, and a POST to a wrong address deserves the same answer
@login_not_required
def not_found(request, rest=""):
    """Any other address under /api/v1/, any method: a problem document, not the site's 404
    page."""
    return problem(404, "No such API operation (paths end with a slash); /api/v1/docs lists them.")


_patterns, _app, _namespace = api.urls
for _pattern in _patterns:
    if _pattern.name == "api-root":
        _pattern.callback = root
    elif _pattern.name != "openapi-view":
        _pattern.callback = login_not_required(_pattern.callback)
_patterns.append(re_path(r"^(?P<rest>.*)$", not_found, name="not_found"))
api_urls = (_patterns, _namespace)  # include(api_urls): the namespace "api"

page_urls = [
    path("account/api-tokens/", views.personal_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        views.personal_token_revoke,
        name="api_token_revoke",
    ),
    path("settings/api-tokens/", views.service_tokens, name="api_service_tokens"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        views.service_token_revoke,
        name="api_service_token_revoke",
    ),
]
