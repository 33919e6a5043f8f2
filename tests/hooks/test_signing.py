"""Deliveries are signed with HMAC-SHA256 over "<timestamp>.<body>"; receivers check it."""

import hashlib
import hmac
import time

from hooks import signing


def test_it_makes_secrets_with_the_whsec_prefix_and_never_the_same_twice():
    first, second = signing.secret_new(), signing.secret_new()
    assert first.startswith("whsec_") and len(first) > 40
    assert first != second


def test_it_signs_the_timestamp_and_the_body_with_the_secret():
    body = b'{"event":"take.decided"}'
    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signing.signature(secret="whsec_abc", timestamp=1700000000, body=body) == (
        "sha256=" + expected)


def test_it_puts_event_delivery_timestamp_and_signature_in_the_headers():
    headers = signing.headers(secret="whsec_abc", event="ping", delivery="d-1", body=b"{}",
                              timestamp=1700000000)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Lotix-Event"] == "ping"
    assert headers["X-Lotix-Delivery"] == "d-1"
    assert headers["X-Lotix-Timestamp"] == "1700000000"
    assert signing.verify(secret="whsec_abc", body=b"{}", timestamp="1700000000",
                          signature_header=headers["X-Lotix-Signature"], now=1700000010)


def test_it_refuses_a_changed_body_another_secret_or_a_moved_timestamp():
    now = int(time.time())
    good = signing.signature(secret="whsec_abc", timestamp=now, body=b"{}")
    assert signing.verify(secret="whsec_abc", body=b"{}", timestamp=str(now),
                          signature_header=good)
    assert not signing.verify(secret="whsec_abc", body=b"{ }", timestamp=str(now),
                              signature_header=good)
    assert not signing.verify(secret="whsec_other", body=b"{}", timestamp=str(now),
                              signature_header=good)
    assert not signing.verify(secret="whsec_abc", body=b"{}", timestamp=str(now + 1),
                              signature_header=good)
    assert not signing.verify(secret="whsec_abc", body=b"{}", timestamp="soon",
                              signature_header=good)


def test_it_refuses_a_replayed_delivery_older_than_five_minutes():
    sent = int(time.time()) - 301
    old = signing.signature(secret="whsec_abc", timestamp=sent, body=b"{}")
    assert not signing.verify(secret="whsec_abc", body=b"{}", timestamp=str(sent),
                              signature_header=old)
    assert signing.verify(secret="whsec_abc", body=b"{}", timestamp=str(sent),
                          signature_header=old, tolerance_s=600)
