"""API fixtures: a token for any persona with any scopes, and a client that sends it."""

from __future__ import annotations

import pytest

from api import tokens
from api.models import SCOPES

ALL_SCOPES = list(SCOPES)


def make_token(person, scopes=None, *, days=30, kind="personal") -> str:
    _row, token = tokens.do_create_token(
        by=person, name="test", scopes=scopes or ALL_SCOPES, days=days, kind=kind
    )
    return token


class Api:
    """The Django test client, speaking to /api/v1/ with a bearer token."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, data=None, **kw):
        return self.client.get(_url(path), data=data, headers=self._headers(), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(
            _url(path), data=json or {}, content_type="application/json", headers=self._headers()
        )


def _url(path: str) -> str:
    return path if path.startswith(("/", "http")) else "/api/v1/" + path


@pytest.fixture
def api_as(client):
    """api_as(person, scopes=[...]) -> a client with a fresh token for that person."""

    def _make(person, scopes=None, **kw):
        return Api(client, make_token(person, scopes, **kw) if person is not None else None)

    return _make
