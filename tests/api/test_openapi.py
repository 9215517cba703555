"""The OpenAPI document and the docs page (served from our own static files, under the CSP)."""

import pytest
from django.urls import URLResolver, get_resolver

from api.models import SCOPES

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_every_operation_with_its_scope(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    operations = [op for ops in doc["paths"].values() for op in ops.values()]
    assert len(operations) >= 17
    for op in operations:
        assert op["x-scope"] in SCOPES, op["operationId"]
        assert op["security"], op["operationId"]
    assert doc["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert "/api/v1/people/" in doc["paths"]


def test_the_problem_responses_are_documented(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    op = doc["paths"]["/api/v1/memos/{memo_id}/rating/"]["post"]
    for status in ["401", "403", "404", "422", "429"]:
        assert "application/problem+json" in op["responses"][status]["content"], status


def test_every_api_operation_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    documented = {path.removeprefix("/api/v1/") for path in doc["paths"]}
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace == "api":
            routes = {
                str(q.pattern).replace("<", "{").replace(">", "}")
                for q in p.url_patterns
                if q.name not in ("openapi-json", "openapi-view", "api-root", "not_found")
            }
    assert routes <= documented


def test_the_docs_page_uses_no_cdn_and_no_inline_script(world, client):
    client.force_login(world.employee)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script src="/static/ninja/swagger-ui-bundle.js" nonce="{nonce}">' in html
    assert "<script>" not in html
    for asset in ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"]:
        assert client.get(asset).status_code == 200, asset
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


def test_the_api_root_says_where_the_reference_is(client):
    body = client.get("/api/v1/").json()
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert body["docs"].endswith("/api/v1/docs")
