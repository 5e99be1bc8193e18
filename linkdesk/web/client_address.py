"""The client's address behind the firm's reverse proxies: forwarded headers are believed only
from a configured trusted proxy, read right to left up to the first address that is not one,
and only the one header that proxy sets (`service.forwarded_header`, X-Forwarded-For unless
said otherwise). A proxy passes the client's own headers through untouched: nginx adds to
X-Forwarded-For but forwards a `Forwarded: for=…` the client wrote, which named whatever
address the client liked (25 guesses, each under a new address, were never limited; 20 under
someone else's locked that someone out).

Why not aiohttp-remotes: its strict middlewares answer 400 to any request whose chain is not
exactly as long as the configured hops (a client whose own network adds X-Forwarded-For, or a
monitoring probe on 127.0.0.1, gets an error page instead of the invitation); its filtered one
believes the header from any peer, so whoever reaches the port directly names their own
address. This is the usual rightmost-untrusted rule in a few lines, on aiohttp's own parser of
the standard Forwarded header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import hdrs, web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a forwarded element: `192.0.2.1`, `"[2001:db8::1]:4711"`, `1.2.3.4:80`."""
    value = text.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # IPv4 with a port
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class ClientAddress:
    """Which address a request is from, for the failure limiter."""

    def __init__(self, trusted: Iterable[str] = (), header: str = "X-Forwarded-For") -> None:
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(item, strict=False) for item in trusted)
        self.header = header

    def is_trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def chain(self, request: web.BaseRequest) -> list[str]:
        """The forwarded hops, client first, from the one header the proxies set (several
        headers of it count as one list); the others are the client's words and are not read."""
        if self.header.casefold() == hdrs.FORWARDED.casefold():
            return [element.get("for", "") for element in request.forwarded]
        hops: list[str] = []
        for header in request.headers.getall(self.header, []):
            hops.extend(part.strip() for part in header.split(","))
        return hops

    def of(self, request: web.BaseRequest) -> str:
        peer_text = request.remote or "?"
        peer = _address(peer_text)
        if not self.is_trusted(peer):
            return peer_text  # headers from anyone else are not believed
        hops = self.chain(request)
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                return hop or peer_text  # what the trusted proxy wrote (`unknown`, a name)
            if not self.is_trusted(address):
                return str(address)
        return str(_address(hops[0])) if hops else peer_text

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        if self.trusted:
            request = request.clone(remote=self.of(request))
        return await handler(request)
