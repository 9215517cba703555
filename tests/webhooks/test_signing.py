"""Signatures as the Standard Webhooks specification has them, checked against its own test
vector (standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py)."""

import base64

from tests.webhooks.conftest import verify
from webhooks import signing


def test_the_signature_matches_the_specifications_test_vector():
    assert (
        signing.sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            '{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_new_secret_is_whsec_and_32_random_bytes():
    a, b = signing.new_secret(), signing.new_secret()
    assert a.startswith("whsec_") and a != b
    assert len(base64.b64decode(a.removeprefix("whsec_"))) == 32


def test_the_headers_verify_with_the_secret_and_not_with_another():
    secret, body = signing.new_secret(), '{"type":"person.created"}'
    headers = signing.headers(secret, "msg_1", 1700000000, body)
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1700000000"
    assert verify(secret, headers, body.encode())
    assert not verify(signing.new_secret(), headers, body.encode())
    assert not verify(secret, headers, body.encode() + b" ")
