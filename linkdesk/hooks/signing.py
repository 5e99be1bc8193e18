"""The signature of a webhook, as Stripe and Standard Webhooks sign theirs: HMAC-SHA256 with the
firm's secret over "timestamp.body", sent as `Linkdesk-Signature: t=TIMESTAMP,v1=HEX`.

The timestamp is signed with the body, so that a request caught on the way cannot be played
again later: a receiver refuses one whose timestamp is more than a few minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Linkdesk-Signature"
EVENT_ID_HEADER = "Linkdesk-Event-Id"
EVENT_TYPE_HEADER = "Linkdesk-Event-Type"
TOLERANCE_S = 300  # a receiver accepts a timestamp this close to its own clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "timestamp.body" under `secret`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the Linkdesk-Signature header for `body`, signed now (or at `timestamp`)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret, at, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance_s: int = TOLERANCE_S) -> bool:
    """Whether `header` signs `body` under `secret`, recently: what a receiver checks."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
