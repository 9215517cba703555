"""The API's frame: bearer-token authentication, scopes, RFC 9457 problem details, the
rate limit and cursor pagination. The routes (api/routes/) are thin layers over the same
access functions, querysets and services as the pages.

Only an `Authorization: Bearer` token opens the API. A browser session counts for nothing
here (so there is no CSRF to check: a cookie carries no authority), and a token opens no
page (pages read the session alone): the token's person is set as `request.user` for this
request only, for the rate limit and the audit log, after authentication.
"""

from __future__ import annotations

import base64
import json
import logging
from http import HTTPStatus

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from api import tokens
from culture import ratelimit
from culture.errors import ActionRefused

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:culture:api:problem:"
MAX_LIMIT = 100
DEFAULT_LIMIT = 25


# --- Problem details (RFC 9457) ------------------------------------------------------------


def problem(
    status: int,
    detail: str = "",
    *,
    kind: str = "",
    title: str = "",
    headers: dict | None = None,
    **extra,
) -> HttpResponse:
    """An `application/problem+json` answer. `kind` names a problem of ours (its type is
    urn:culture:api:problem:<kind>); without one the type is about:blank and the title
    the status's own phrase, as RFC 9457 section 4.2.1 asks."""
    body = {
        "type": PROBLEM_TYPE + kind if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_JSON)
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class InsufficientScope(Exception):
    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


class BadRequest(Exception):
    """A request the API cannot read (a bad cursor): 400."""


# --- Authentication and scopes -------------------------------------------------------------


class BearerToken(HttpBearer):
    """A live API token (api.tokens.authenticate); then the rate limit, per person."""

    def authenticate(self, request, token):
        row = tokens.authenticate(token)
        if row is None:
            return None
        request.user = row.person  # this request only: the API never reads the session
        ratelimit.check(request, "api")
        return row


def caller(request, scope: str):
    """The token's person, if the token carries `scope` (else 403 insufficient_scope)."""
    token = request.auth
    if not token.has_scope(scope):
        raise InsufficientScope(scope)
    return token.person


# --- The API object and its error handlers ------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details (application/problem+json).",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid field (422 validation problems).",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "scope": {"type": "string", "description": "The scope missing (403 insufficient-scope)."},
        "retry_after": {"type": "integer", "description": "Seconds to wait (429)."},
    },
}
PROBLEMS = {
    "400": "The cursor is not one the API gave out",
    "401": "No live token",
    "403": "The token lacks the scope, or you may see this but not change it",
    "404": "No such object, or not one you may see",
    "422": "Invalid fields, or the action was refused",
    "429": "Over the rate limit: wait Retry-After seconds",
}


class CultureAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        """Never stored by a browser or a proxy: answers hold salaries and keeper answers."""
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response["Cache-Control"] = "no-store"
        next_url = getattr(request, "api_next_page", None)
        if next_url and response.status_code == 200:
            response["Link"] = f'<{next_url}>; rel="next"'  # RFC 8288, as the body's `next`
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, plus the problem responses every operation may answer."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, text in PROBLEMS.items():
                    responses.setdefault(
                        status, {"description": text, "content": {PROBLEM_JSON: {"schema": ref}}}
                    )
        return schema


api = CultureAPI(
    title="Culture API",
    version="1",
    description=(
        "The product's public REST API. Authenticate with a personal or service token: "
        "`Authorization: Bearer <token>`. Every object comes through the same access rules "
        "as the pages; each operation names the scope it needs. Errors are RFC 9457 problem "
        "details; lists are cursor-paginated (`next` is the next page's address)."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(
        401,
        "A live API token is required: Authorization: Bearer <token>.",
        kind="unauthenticated",
        title="Not authenticated",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


@api.exception_handler(InsufficientScope)
def _insufficient_scope(request, exc):
    return problem(
        403,
        f"This token does not carry the scope {exc.scope}.",
        kind="insufficient-scope",
        title="Insufficient scope",
        scope=exc.scope,
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{exc.scope}"'},
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(404, "No such object, or not one you may see.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem(403, "You may see this, but not do that.")


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {
            "location": ".".join(str(p) for p in e.get("loc", ())),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return problem(
        422,
        "The request has invalid fields.",
        kind="validation",
        title="Invalid request",
        errors=errors,
    )


@api.exception_handler(DjangoValidationError)
def _refused(request, exc):
    """A service refused the action (the services' one way to refuse)."""
    return problem(422, " ".join(exc.messages), kind="refused", title="Refused")


@api.exception_handler(ActionRefused)
def _action_refused(request, exc):
    """The services' refusals (culture.errors): 422 for invalid input, 409 for a conflict
    with the current state, as the pages answer."""
    return problem(exc.status, exc.message, kind="refused", title="Refused")


@api.exception_handler(BadRequest)
def _bad_request(request, exc):
    return problem(400, str(exc), kind="bad-request", title="Bad request")


@api.exception_handler(ratelimit.Limited)
def _limited(request, exc):
    return problem(
        429,
        f"Too many requests: try again in {exc.retry_after} s.",
        kind="rate-limited",
        title="Too many requests",
        headers={"Retry-After": str(exc.retry_after)},
        retry_after=exc.retry_after,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem(exc.status_code, str(exc))


@api.exception_handler(Exception)
def _server_error(request, exc):
    log.exception("API request failed", exc_info=exc)
    return problem(500, "Something went wrong on our side; it has been logged.")


# --- Cursor pagination ---------------------------------------------------------------------

_CURSOR_SALT = "api.cursor"


def _encode(values: list) -> str:
    signed = signing.dumps(values, salt=_CURSOR_SALT, compress=True)
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return signing.loads(base64.urlsafe_b64decode(padded).decode(), salt=_CURSOR_SALT)
    except (ValueError, signing.BadSignature, UnicodeDecodeError):
        raise BadRequest("This cursor is not one the API gave out; start again without it.")


def paginate(request, queryset, *, order: tuple[str, ...], cursor: str | None, limit: int):
    """One page of `queryset` in a stable order (`order`: fields ending in the primary key,
    "-" for descending, all in the same direction), from an opaque cursor: keyset
    pagination, so page 1,000 costs what page 1 does and a row added meanwhile is neither
    skipped nor repeated. Returns (rows, next_url or None); one query (limit + 1 rows)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    descending = order[0].startswith("-")
    fields = [f.lstrip("-") for f in order]
    rows = queryset.order_by(*order)
    if cursor:
        decoded = _decode(cursor)
        # A cursor names its list: one list's cursor is refused by another.
        if not isinstance(decoded, list) or len(decoded) != 2 or decoded[0] != request.path:
            raise BadRequest("This cursor is not for this list; start again without it.")
        values = decoded[1]
        if not isinstance(values, list) or len(values) != len(fields):
            raise BadRequest("This cursor is not for this list; start again without it.")
        op = "lt" if descending else "gt"
        after = Q()
        for i, field in enumerate(fields):
            step = Q(**{f"{field}__{op}": values[i]})
            for prev, value in zip(fields[:i], values[:i], strict=True):
                step &= Q(**{prev: value})
            after |= step
        rows = rows.filter(after)
    page = list(rows[: limit + 1])
    next_url = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        query = request.GET.copy()
        query["cursor"] = _encode([request.path, [_value(last, f) for f in fields]])
        query["limit"] = str(limit)
        next_url = request.build_absolute_uri(request.path + "?" + query.urlencode())
        request.api_next_page = next_url  # also a Link header (CultureAPI.create_response)
    return page, next_url


def _value(obj, field: str):
    for part in field.split("__"):
        obj = getattr(obj, part if part != "pk" else "pk")
    return obj
