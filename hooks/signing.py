"""How a delivery is signed, and how a receiver checks it.

The signature is `sha256=` followed by the hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with
the webhook's secret, where `<timestamp>` is the `X-Lotix-Timestamp` header (Unix seconds) and
`<body>` the raw request body. The timestamp inside the signed text stops an old delivery from
being replayed later; receivers refuse timestamps older than a few minutes.
"""

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SIGNATURE_PREFIX = "sha256="
DEFAULT_TOLERANCE_S = 300

HEADER_EVENT = "X-Lotix-Event"
HEADER_DELIVERY = "X-Lotix-Delivery"
HEADER_TIMESTAMP = "X-Lotix-Timestamp"
HEADER_SIGNATURE = "X-Lotix-Signature"


def secret_new() -> str:
    """A fresh webhook secret: `whsec_` and 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Lotix-Signature` value for a body sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def headers(*, secret: str, event: str, delivery: str, body: bytes,
            timestamp: int | None = None) -> dict[str, str]:
    """Every header of one delivery attempt, signed now (or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Lotix-Webhooks/1",
        HEADER_EVENT: event,
        HEADER_DELIVERY: delivery,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify(*, secret: str, body: bytes, timestamp: str, signature_header: str,
           tolerance_s: int = DEFAULT_TOLERANCE_S, now: float | None = None) -> bool:
    """True when the signature matches and the timestamp is recent: what a receiver runs."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent) > tolerance_s:
        return False
    expected = signature(secret=secret, timestamp=sent, body=body)
    return hmac.compare_digest(expected, signature_header or "")
