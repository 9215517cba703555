"""Passwords are hashed with Argon2id in production, and older PBKDF2 hashes keep working.

The test settings hash with MD5 to keep persona creation cheap, so these tests put the
production list back with override_settings.
"""

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password
from django.test import override_settings

from culture import settings as production
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

production_hashing = override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)


def _login(client, email, password):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR="10.0.0.7")


@production_hashing
def test_production_hashes_new_passwords_with_argon2id():
    hasher = get_hasher("default")
    assert hasher.algorithm == "argon2"
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$"), encoded
    # Django's default cost, not a weakened one: 100 MiB and two passes.
    assert "m=102400,t=2," in encoded
    assert hasher.verify(PASSWORD, encoded) and not hasher.verify("wrong", encoded)


@production_hashing
def test_a_pbkdf2_password_still_logs_in_and_is_rehashed_with_argon2(world, client):
    person = world.employee
    person.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    person.save(update_fields=["password"])

    # A wrong password neither logs in nor touches the stored hash.
    assert _login(client, person.email, "wrong-horse").status_code == 200
    person.refresh_from_db()
    assert identify_hasher(person.password).algorithm == "pbkdf2_sha256"

    response = _login(client, person.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$")
    assert person.check_password(PASSWORD)

    # The rehashed password logs in again.
    client.logout()
    assert _login(client, person.email, PASSWORD).status_code == 302
