"""One webhook POST: the event's body, signed, to the firm's receiver; its answer in a word."""

from __future__ import annotations

import os
from dataclasses import dataclass

import aiohttp

from linkdesk.hooks.signing import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

TIMEOUT_S = 10.0  # a receiver that takes longer is tried again later
CONNECTIONS = 8  # POSTs in flight at once


@dataclass(frozen=True)
class Answer:
    """The receiver's HTTP status, or why there was none (never the address: it may carry a
    key of the receiver's in its query)."""

    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _user_agent() -> str:
    from importlib import metadata

    try:
        return f"linkdesk/{metadata.version('linkdesk')}"
    except metadata.PackageNotFoundError:
        return "linkdesk"


def _words(exc: BaseException, timeout_s: float) -> str:
    """What went wrong, in a few words a person reads in `linkdesk status`."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout_s:g} s"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS: the receiver's certificate is not trusted"
    if isinstance(exc, aiohttp.ClientSSLError):
        return "TLS: the connection could not be secured"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "the receiver's host name is not known"
    if isinstance(exc, aiohttp.ClientConnectorError):
        number = getattr(exc.os_error, "errno", None)  # its text names the address: not kept
        return "cannot connect: " + (os.strerror(number).lower() if number else "failed")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the receiver closed the connection without answering"
    return f"the request failed ({type(exc).__name__})"


class HookSender:
    """POSTs events to `url`, each signed with `secret`; one connection pool for all."""

    def __init__(self, url: str, secret: str, *, timeout_s: float = TIMEOUT_S,
                 connections: int = CONNECTIONS) -> None:
        self.url = url
        self._secret = secret
        self.timeout_s = timeout_s
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._agent = _user_agent()

    def __repr__(self) -> str:  # never the secret, in a traceback or a log
        return f"HookSender(connections={self.connections})"

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    async def post(self, event_id: str, kind: str, body: bytes) -> Answer:
        """Send one event; its answer (a 3xx is not followed: it is an answer like any other)."""
        headers = {"Content-Type": "application/json", "User-Agent": self._agent,
                   EVENT_ID_HEADER: event_id, EVENT_TYPE_HEADER: kind,
                   SIGNATURE_HEADER: signature_header(self._secret, body)}
        try:
            async with self._open().post(self.url, data=body, headers=headers,
                                         allow_redirects=False) as response:
                await response.content.read(64 * 1024)  # its body is not used; the status is
                return Answer(response.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Answer(error=_words(exc, self.timeout_s))

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
