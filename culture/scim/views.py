"""The SCIM endpoint, /scim/v2/ (RFC 7644): one thin view in front of scim2-server.

It authenticates the bearer token, counts the request against the token's rate limit, and
hands the request to scim2-server's handler with a storage for this request
(culture.scim.storage). A logged-in browser session counts for nothing here: only a live
token opens SCIM, and a token opens nothing but SCIM (pages read the session alone).
"""

from __future__ import annotations

import dataclasses
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
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)
from scim2_server.applications.base import BaseApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from scim2_server.storage import SearchPage

from culture.scim import tokens
from culture.scim.schema import PROVIDER, EnterpriseUser, Group, UserResource
from culture.scim.storage import DjangoStorage

log = logging.getLogger(__name__)
PREFIX = "/scim/v2"


class Service(ScimService):
    def publish(self, base_url: str, resource: Resource[Any]) -> Resource[Any]:
        """A User or Group as sent to the client: scim2-server's publish without its deep
        copy and its walk over every attribute path of the type, which a page of users paid
        for once a user (bench/README.md). The copy keeps a stored resource unchanged;
        this storage builds every resource afresh for the one answer that sends it
        (culture.scim.storage), so the resource itself is published. Its references are
        the two these schemas have, a manager and a group's members, made URLs as
        scim2-server makes them; tests/scim/test_filters.py checks that no other exists
        and that the answers match scim2-server's."""
        if not isinstance(resource, UserResource | Group):
            return super().publish(base_url, resource)  # the discovery resources
        assert resource.meta is not None and resource.id is not None
        update: dict[str, Any] = {
            "location": self.resource_location(
                base_url, self.get_resource_type_of(resource), resource.id
            )
        }
        if not self.etag_supported:
            update["version"] = None
        resource.meta = resource.meta.model_copy(update=update)
        # pydantic validates each URL into the Reference the model declares, as it does
        # for scim2-server's own setattr.
        if isinstance(resource, Group):
            for member in resource.members or []:
                if member.ref is not None:
                    url = self.reference_location(base_url, member.ref)
                    member.ref = url  # type: ignore[assignment]
        else:
            enterprise = resource[EnterpriseUser]
            manager = enterprise.manager if enterprise is not None else None
            if manager is not None and manager.ref is not None:
                manager.ref = self.reference_location(base_url, manager.ref)
        return resource

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

    def search_response(
        self,
        base_url: str,
        resource_types: list[ResourceType],
        page: SearchPage,
        search_request: SearchRequest[Any],
    ) -> ScimResponse:
        """scim2-server's ListResponse, with each resource published and dumped once.
        scim2-server dumps each resource, then validates the dumps back into models to
        build the ListResponse, and dumps those again: the same dicts, paid for twice on
        every page an identity provider lists (bench/README.md). Here scim2-server builds
        the envelope (counts, startIndex, cursors) for an empty page, and the dumps go into
        it as they are. tests/scim/test_filters.py checks the answer against
        scim2-server's own."""
        envelope = super().search_response(
            base_url, resource_types, dataclasses.replace(page, resources=[]), search_request
        )
        dumped = [
            self.publish(base_url, resource).model_dump(
                scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=search_request
            )
            for resource in page.resources
        ]
        assert envelope.body is not None  # a ListResponse, always
        envelope.body["itemsPerPage"] = len(dumped)
        if dumped:
            envelope.body["Resources"] = dumped
        return envelope


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
