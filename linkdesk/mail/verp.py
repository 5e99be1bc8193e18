"""Return-Paths that say which message a bounce is about (VERP): `bounces+TAG@firm.ca`."""

from __future__ import annotations

import re

_TAG = re.compile(r"[0-9a-f]{16}")


def return_path(bounce_address: str, tag: str | None, fallback: str) -> str:
    """The envelope sender for a message: the firm's bounce address with the message's tag in
    it, or `fallback` (the From address) when there is no bounce address or no tag."""
    if not bounce_address or not tag:
        return fallback
    local, _at, domain = bounce_address.rpartition("@")
    return f"{local}+{tag}@{domain}"


def tag_of(bounce_address: str, recipient: str) -> str | None:
    """The message tag in an address a report was sent to, if it is one of ours."""
    local, _at, domain = bounce_address.rpartition("@")
    got = recipient.strip().strip("<>")
    got_local, _at, got_domain = got.rpartition("@")
    base, plus, tag = got_local.partition("+")
    if not plus or base.lower() != local.lower() or got_domain.lower() != domain.lower():
        return None
    tag = tag.lower()
    return tag if _TAG.fullmatch(tag) else None
