"""Bearer tokens: made on the Provisioning page or with manage.py, shown once, stored as a
digest, revoked; the per-token rate limit; and the two-way wall between tokens and pages."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from culture.models import AuditEvent, ScimToken
from culture.scim import tokens
from tests.scim.conftest import Scim, error

pytestmark = pytest.mark.django_db


# --- Storage and checking -------------------------------------------------------------------


def test_only_a_sha256_digest_of_the_token_is_stored(scim_token):
    row, token = scim_token
    assert token.startswith("culture_scim_") and len(token) > 50
    row.refresh_from_db()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert row.hint == token[: tokens.HINT_LENGTH]
    stored = [str(v) for row in ScimToken.objects.values() for v in row.values()]
    assert not any(token in value for value in stored)


def test_a_live_token_authenticates_and_others_do_not(scim_token):
    row, token = scim_token
    assert tokens.authenticate(f"Bearer {token}") == row
    assert tokens.authenticate(f"bearer   {token}") == row
    for header in (None, "", token, f"Basic {token}", f"Bearer {token}x", "Bearer culture_scim_"):
        assert tokens.authenticate(header) is None, header
    tokens.do_revoke_token(by=None, token=row)
    assert tokens.authenticate(f"Bearer {token}") is None


def test_last_used_is_written_at_most_once_a_minute(scim_token):
    row, token = scim_token
    with time_machine.travel("2026-05-01 09:00:00Z", tick=False):
        tokens.authenticate(f"Bearer {token}")
    with time_machine.travel("2026-05-01 09:00:30Z", tick=False):
        tokens.authenticate(f"Bearer {token}")
    row.refresh_from_db()
    assert row.last_used_at.isoformat() == "2026-05-01T09:00:00+00:00"
    with time_machine.travel("2026-05-01 09:01:05Z", tick=False):
        tokens.authenticate(f"Bearer {token}")
    row.refresh_from_db()
    assert row.last_used_at.isoformat() == "2026-05-01T09:01:05+00:00"


def test_every_request_needs_a_live_token(scim_token, world):
    row, token = scim_token
    for client in (Scim(None), Scim("culture_scim_wrong")):
        for path in ("Users", f"Users/{world.employee.pk}", "Groups", "Schemas", "Bulk", "nope"):
            response = client.get(path)
            assert response.status_code == 401, path
            assert response["WWW-Authenticate"].startswith("Bearer")
            assert error(response)["status"] == "401"
    assert Scim(token).get("Users").status_code == 200
    tokens.do_revoke_token(by=None, token=row)
    assert Scim(token).get("Users").status_code == 401


def test_the_service_provider_config_is_public(world):
    response = Scim(None).get("ServiceProviderConfig")
    assert response.status_code == 200
    body = response.json()
    assert body["patch"]["supported"] and body["etag"]["supported"]
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert not body["bulk"]["supported"]
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


# --- The wall between pages and SCIM --------------------------------------------------------


def test_a_scim_token_opens_no_page(scim_token, client):
    _row, token = scim_token
    for url in ("/", "/people/", reverse("company_settings"), reverse("scim_tokens")):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_a_page_session_cannot_call_scim_even_a_people_admins(world, client_for):
    admin = client_for(world.people_admin)
    assert admin.get(reverse("company_settings")).status_code == 200
    for url in ("/scim/v2/Users", f"/scim/v2/Users/{world.employee.pk}", "/scim/v2/Groups"):
        assert admin.get(url).status_code == 401, url
    response = admin.post(
        "/scim/v2/Users", data={"userName": "x"}, content_type="application/scim+json"
    )
    assert response.status_code == 401


# --- Rate limit -------------------------------------------------------------------------------


def test_over_the_limit_a_token_gets_429_with_retry_after(scim_token, settings):
    settings.SCIM_RATE_LIMIT = "3/m"
    _row, token = scim_token
    scim = Scim(token)
    with time_machine.travel("2026-05-01 09:00:10Z", tick=False):
        assert [scim.get("Groups?count=0").status_code for _ in range(3)] == [200] * 3
        refused = scim.get("Groups?count=0")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"
        assert error(refused)["status"] == "429"
        other, other_token = tokens.do_create_token(by=None, name="Entra")
        assert Scim(other_token).get("Groups?count=0").status_code == 200  # per token
    with time_machine.travel("2026-05-01 09:01:01Z", tick=False):
        assert scim.get("Groups?count=0").status_code == 200  # the next window


def test_the_rate_limit_setting_is_checked():
    assert tokens.parse_rate("12000/m") == tokens.Rate(12000, 60)
    assert tokens.parse_rate("10/5s") == tokens.Rate(10, 5)
    assert tokens.parse_rate("off") is None
    from django.core.exceptions import ImproperlyConfigured

    for bad in ("", "fast", "0/m", "10/d"):
        with pytest.raises(ImproperlyConfigured):
            tokens.parse_rate(bad)


# --- The Provisioning page ------------------------------------------------------------------


def test_a_people_admin_makes_a_token_and_sees_it_once(world, client_for):
    admin = client_for(world.people_admin)
    response = admin.post(reverse("scim_tokens"), {"name": "Okta"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = response.context["new_token"]
    assert token in response.content.decode()
    row = ScimToken.objects.get(name="Okta")
    assert row.created_by == world.people_admin and row.digest == tokens.digest(token)
    assert tokens.authenticate(f"Bearer {token}") == row
    response = admin.get(reverse("scim_tokens"))
    assert response.status_code == 200
    page = response.content.decode()
    assert token not in page
    for shown in ("Okta", row.hint, "Ada Admin"):
        assert shown in page, shown
    assert "/scim/v2/" in page
    event = AuditEvent.objects.get(action="scim.token_created")
    assert event.actor == world.people_admin and event.detail["token"] == "Okta"


def test_a_token_needs_a_name(world, client_for):
    response = client_for(world.people_admin).post(reverse("scim_tokens"), {"name": " "})
    assert response.status_code == 422
    assert not ScimToken.objects.exists()


def test_the_page_shows_when_a_token_was_last_used(world, client_for, scim_token):
    row, token = scim_token
    Scim(token).get("Users?count=0")
    page = client_for(world.people_admin).get(reverse("scim_tokens")).content.decode()
    assert f"{timezone.localtime(ScimToken.objects.get(pk=row.pk).last_used_at):%-d %b %Y}" in page


def test_a_people_admin_revokes_a_token(world, client_for, scim_token):
    row, token = scim_token
    admin = client_for(world.people_admin)
    response = admin.post(reverse("scim_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == world.people_admin
    assert Scim(token).get("Users").status_code == 401
    assert "Revoked" in admin.get(reverse("scim_tokens")).content.decode()
    event = AuditEvent.objects.get(action="scim.token_revoked")
    assert event.actor == world.people_admin
    # Twice changes nothing more.
    admin.post(reverse("scim_token_revoke", args=[row.pk]))
    assert AuditEvent.objects.filter(action="scim.token_revoked").count() == 1


def test_only_people_admins_see_or_revoke_tokens(world, client_for, scim_token):
    row, _ = scim_token
    for persona in (world.employee, world.manager, world.ceo):
        c = client_for(persona)
        assert c.get(reverse("scim_tokens")).status_code == 403
        assert c.post(reverse("scim_token_revoke", args=[row.pk])).status_code == 403
    admin = client_for(world.people_admin)
    assert admin.post(reverse("scim_token_revoke", args=[999999])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_the_settings_page_links_to_provisioning(world, client_for):
    page = client_for(world.people_admin).get(reverse("company_settings")).content.decode()
    assert f'href="{reverse("scim_tokens")}"' in page


# --- manage.py scim_token -------------------------------------------------------------------


def test_the_command_prints_a_token_once_and_lists_and_revokes_it():
    out, err = io.StringIO(), io.StringIO()
    call_command("scim_token", "create", "Terraform", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert "Shown once" in err.getvalue()
    row = ScimToken.objects.get(name="Terraform")
    assert row.created_by is None and tokens.authenticate(f"Bearer {token}") == row
    listing = io.StringIO()
    call_command("scim_token", "list", stdout=listing)
    assert f"{row.pk}\tTerraform\t{row.hint}" in listing.getvalue()
    assert token not in listing.getvalue()
    call_command("scim_token", "revoke", str(row.pk), stdout=io.StringIO())
    assert tokens.authenticate(f"Bearer {token}") is None
    assert AuditEvent.objects.filter(action="scim.token_revoked", actor=None).exists()


def test_the_command_refuses_an_unknown_token_and_an_empty_name():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("scim_token", "revoke", "424242", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("scim_token", "create", "  ", stdout=io.StringIO())


def test_the_audit_log_names_the_token_of_every_scim_write(scim, scim_token, world, client_for):
    row, _ = scim_token
    created = scim.post(
        "Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "new@acme.test",
            "emails": [{"value": "new@acme.test"}],
            "active": True,
        },
    ).json()
    scim.patch(f"Users/{created['id']}", [{"op": "replace", "path": "title", "value": "T"}])
    scim.patch(
        f"Groups/{world.team.pk}",
        [{"op": "add", "path": "members", "value": [{"value": created["id"]}]}],
    )
    scim.delete(f"Users/{created['id']}")
    events = AuditEvent.objects.filter(action__startswith="scim.").exclude(
        action__startswith="scim.token"
    )
    actions = list(events.order_by("id").values_list("action", flat=True))
    assert actions == [
        "scim.user_created",
        "scim.user_changed",
        "scim.team_joined",
        "scim.group_changed",
        "scim.user_deleted",
    ]
    for event in events:
        assert event.actor is None and event.detail["scim_token"] == "Okta", event.action
    changed = events.get(action="scim.user_changed")
    assert changed.detail["fields"] == ["title"] and changed.subject_id == int(created["id"])
    page = client_for(world.people_admin).get(reverse("audit_log")).content.decode()
    assert "SCIM: Okta" in page


def test_reads_are_not_audited_and_writes_that_change_nothing_are_not_either(scim, world):
    before = AuditEvent.objects.count()
    scim.get("Users")
    scim.get(f"Users/{world.employee.pk}")
    scim.patch(
        f"Users/{world.employee.pk}", [{"op": "replace", "path": "title", "value": "Engineer"}]
    )
    assert AuditEvent.objects.count() == before


def test_tokens_expire_never_but_revoked_ones_stay_listed(world, client_for, scim_token):
    row, _ = scim_token
    tokens.do_revoke_token(by=world.people_admin, token=row)
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        page = client_for(world.people_admin).get(reverse("scim_tokens")).content.decode()
    assert "Okta" in page and "Revoked" in page
