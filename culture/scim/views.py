"""The SCIM endpoint, /scim/v2/ (RFC 7644): one thin view in front of scim2-server.

It authenticates the bearer token, counts the request against the token's rate limit, and
hands the request to scim2-server's handler with a storage for this request
(culture.scim.storage). A logged-in browser session counts for nothing here: only a live
token opens SCIM, and a token opens nothing but SCIM (pages read the session alone).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    Resource,
    ResponseParameters,
    SCIMException,
    UnauthorizedException,
)
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService

from culture.scim import tokens
from culture.scim.schema import PROVIDER
from culture.scim.storage import DjangoStorage

log = logging.getLogger(__name__)
PREFIX = "/scim/v2"


class Service(ScimService):
    def patch_response(
        self,
        base_url: str,
        resource: Resource[Any],
        response_parameters: ResponseParameters[Any],
    ) -> ScimResponse:
        """200 with the resource, always: RFC 7644 §3.5.2 allows 204, but Okta documents
        that it reads the updated User from a PATCH's answer."""
        return self.resource_response(
            self.publish(base_url, resource),
            Context.RESOURCE_REPLACEMENT_RESPONSE,
            response_parameters,
        )


class Application(BaseApplication):
    def serve(self, request: ScimRequest, method: str) -> ScimResponse:
        try:
            response = self.dispatch(request, method)
        except tokens.RateLimited as limited:
            response = ScimResponse(
                HTTPStatus.TOO_MANY_REQUESTS,
                Error(
                    status=429,
                    detail=f"Too many requests for this token: try again in "
                    f"{limited.retry_after} s",
                ).model_dump(),
                {"Retry-After": str(limited.retry_after)},
            )
        except Exception as exception:  # SCIM errors, and bugs (a 500 without details)
            response = self.handle_exception(request, exception)
        return self.finalize_response(request, response)

    def needs_auth(self, request: ScimRequest) -> bool:
        """Every request but /ServiceProviderConfig (RFC 7643 §5), an unknown path included:
        who has no token learns nothing, not even which paths exist."""
        try:
            return super().needs_auth(request)
        except SCIMException:
            return True

    def dispatch(self, request: ScimRequest, method: str) -> ScimResponse:
        token = None
        if self.needs_auth(request):
            token = tokens.authenticate(request.header("Authorization"))
            if token is None:
                raise UnauthorizedException(detail="A valid bearer token is required")
            tokens.check_rate(token)
        request.subject = token
        handler = ScimHandler(self.service, DjangoStorage(token=token, method=method))
        return handler.handle(request)

    def handle_exception(self, request: ScimRequest, exception: Exception) -> ScimResponse:
        if isinstance(exception, SCIMException):
            log.info("SCIM %s: %s", exception.status, exception)
        else:
            log.exception("SCIM request failed", exc_info=exception)
        return self.service.error_response(exception)


APPLICATION = Application(PROVIDER, Service(PROVIDER))


@csrf_exempt
@login_not_required  # a bearer token opens it, never a session
def endpoint(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Every SCIM URL: scim2-server routes it (the names in culture/scim/urls.py are for the
    authorization matrix and reverse())."""
    method = request.method
    assert method is not None  # Django sets it on every request it serves
    scim_request = ScimRequest(
        method=method,
        base_url=request.build_absolute_uri(PREFIX),
        path=request.path_info.removeprefix(PREFIX) or "/",
        query=request.GET.dict(),  # the last value of each, as dict(items()) gives
        headers=list(request.headers.items()),
        body=request.body,
    )
    response = APPLICATION.serve(scim_request, method)
    body = b"" if response.body is None else json.dumps(response.body).encode()
    out = HttpResponse(body, status=response.status.value)
    for name, value in response.headers.items():
        out[name] = value
    return out
