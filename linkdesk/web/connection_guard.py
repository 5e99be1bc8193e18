"""Slow or greedy clients cannot take the page down: a cap on open connections per address and
in all, below the process's open-file limit, the excess refused at once (503, closed), and a
request's headers due within HEADERS_S of the connection, else it is closed.

With the unit's 1,024 open files, 1,100 connections sending their headers slowly made the page
and /healthz time out for as long as they lasted, and the log grew 90 MB in 25 s ("Too many
open files"). aiohttp has no header timeout nor connection cap: this wraps the protocol its
runner makes (AppRunner.server, public), as a proxy that counts and times connections.
A trusted proxy's address is not capped per address (all its clients come from it).
"""

from __future__ import annotations

import asyncio
import ipaddress
import resource
from collections import Counter

HEADERS_S = 10.0  # the first request's headers, complete, within this of connecting
PER_ADDRESS = 32  # connections open at once from one address (not a trusted proxy)
REFUSED = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n"
           b"Content-Length: 0\r\n\r\n")


def connection_cap() -> int:
    """Open connections in all: half the files the process may open, less what the database,
    the relay and the logs need; never more than 4,096."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(16, min(4096, (soft - 128) // 2))


class ConnectionGuard:
    """Counts the open connections, by address and in all."""

    def __init__(self, trusted=(), cap: int | None = None, per_address: int = PER_ADDRESS,
                 headers_s: float = HEADERS_S) -> None:
        self.trusted = tuple(ipaddress.ip_network(t, strict=False) for t in trusted)
        self.cap = connection_cap() if cap is None else cap
        self.per_address = per_address
        self.headers_s = headers_s
        self.open = 0
        self.by_address: Counter[str] = Counter()
        self.refused = 0

    def _capped(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True
        return not any(ip in network for network in self.trusted)

    def admit(self, address: str) -> bool:
        if self.open >= self.cap or (
                self._capped(address) and self.by_address[address] >= self.per_address):
            self.refused += 1
            return False
        self.open += 1
        self.by_address[address] += 1
        return True

    def leave(self, address: str) -> None:
        self.open -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]

    def protocol(self, make):
        """A protocol factory for loop.create_server: `make()`'s protocols, guarded."""
        return lambda: _Guarded(make(), self)


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol behind the guard: admitted or refused on connecting; closed if its
    first request's headers are not complete in time."""

    def __init__(self, inner, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.address: str | None = None
        self.transport = None
        self.timer: asyncio.TimerHandle | None = None
        self.tail = b""  # the last bytes seen, to find the end of the headers across reads

    def connection_made(self, transport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "?"
        self.transport = transport
        if not self.guard.admit(address):
            transport.write(REFUSED)
            transport.close()
            return
        self.address = address
        self.timer = asyncio.get_running_loop().call_later(self.guard.headers_s, self._late)
        self.inner.connection_made(transport)

    def _late(self) -> None:
        self.timer = None
        if self.transport is not None:
            self.transport.close()  # its headers never came: the slot is someone else's

    def data_received(self, data: bytes) -> None:
        if self.address is None:
            return
        if self.timer is not None:
            seen = self.tail + data
            if b"\r\n\r\n" in seen or b"\n\n" in seen:
                self.timer.cancel()
                self.timer = None
            else:
                self.tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self):
        if self.address is None:
            return None
        return self.inner.eof_received()

    def connection_lost(self, exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.address is None:
            return
        self.guard.leave(self.address)
        self.address = None
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
