"""A SCIM client with a bearer token, and payload builders in the shapes clients send."""

from __future__ import annotations

import json

import pytest
from django.test import Client

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    """Django's test client speaking SCIM: JSON bodies, the bearer token on every request."""

    def __init__(self, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers)

    def _send(self, method, path, body=None, headers=None):
        url = path if path.startswith("/") else f"/scim/v2/{path}"
        kwargs = {"headers": headers or {}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/scim+json"
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, **kw):
        return self._send("get", path, **kw)

    def post(self, path, body, **kw):
        return self._send("post", path, body, **kw)

    def put(self, path, body, **kw):
        return self._send("put", path, body, **kw)

    def patch(self, path, operations, **kw):
        return self._send("patch", path, {"schemas": [PATCH], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self._send("delete", path, **kw)


@pytest.fixture
def scim_token(db):
    from culture.scim import tokens

    row, token = tokens.do_create_token(by=None, name="Okta")
    return row, token


@pytest.fixture
def scim(scim_token) -> Scim:
    return Scim(scim_token[1])


def user_body(n: int | str = 1, **extra) -> dict:
    """A User as an identity provider creates one."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "userName": f"person{n}@acme.test",
        "name": {"givenName": "Given", "familyName": f"Family{n}"},
        "emails": [{"value": f"person{n}@acme.test", "type": "work", "primary": True}],
        "title": "Engineer",
        "active": True,
        "externalId": f"idp-{n}",
        ENTERPRISE: {"employeeNumber": f"E{n}", "department": "Platform"},
    }
    body.update(extra)
    return body


def created(scim: Scim, n=1, **extra) -> dict:
    response = scim.post("Users", user_body(n, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def error(response) -> dict:
    body = response.json()
    assert ERROR in body["schemas"], body
    return body
