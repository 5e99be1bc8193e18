"""The acceptance page behind a real reverse proxy: the client address is taken from forwarded
headers only when a trusted proxy sent them; a live link is never refused; the failure table
is bounded; the router's own errors carry the page's headers and no versions."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from linkdesk.mail.outgoing import invitation_builder
from linkdesk.web.accept import (
    FAILURES_ALLOWED,
    HEADERS,
    FailureLimiter,
    make_web_app,
    start_site,
)
from tests.helpers import add_client, make_preparer

YEAR = 2025


async def start_proxy(upstream: str, style: str = "x-forwarded-for") -> web.AppRunner:
    """A reverse proxy as nginx is configured in the README: it appends the address it was
    reached from to X-Forwarded-For (or writes a Forwarded element) and passes the rest on."""
    session = aiohttp.ClientSession(auto_decompress=False)

    async def forward(request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length", "transfer-encoding")}
        if style == "forwarded":
            earlier = request.headers.get("Forwarded")
            mine = f'for="{request.remote}"'
            headers["Forwarded"] = f"{earlier}, {mine}" if earlier else mine
        else:
            earlier = request.headers.get("X-Forwarded-For")
            headers["X-Forwarded-For"] = f"{earlier}, {request.remote}" if earlier \
                else request.remote
        async with session.request(request.method, upstream + request.path_qs, headers=headers,
                                   data=await request.read(), allow_redirects=False) as got:
            return web.Response(status=got.status, body=await got.read(),
                                headers={k: v for k, v in got.headers.items()
                                         if k.lower() in ("content-type", "retry-after")})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)

    async def close_session(_app):
        await session.close()

    app.on_cleanup.append(close_session)
    return await start_site(app, "127.0.0.1", 0)


def url_of(runner: web.AppRunner) -> str:
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


def from_address(address: str) -> aiohttp.ClientSession:
    """A browser on its own loopback address (Linux routes all of 127.0.0.0/8 to lo)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


@pytest.fixture
async def page(store):
    """The page trusting the proxy at 127.0.0.1, and a live link on it."""
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com")
    links = []
    build = invitation_builder(
        firm_name=firm.firm_name, sender_address="portail@tremblay.ca",
        recipient_name="Émilie Gagnon", recipient_address="emilie@example.com",
        subject="Invitation", body="Bonjour", language="fr")

    def capture(link):
        links.append(link)
        return build(link)

    page_runner = await start_site(make_web_app(store, trusted_proxies=("127.0.0.1",)),
                                   "127.0.0.1", 0)
    await store.invitations.invite(client_id, YEAR, firm.id, url_of(page_runner),
                                   "emilie@example.com", "fr", capture)
    proxy_runner = await start_proxy(url_of(page_runner))
    yield url_of(page_runner), url_of(proxy_runner), links[0].split("/i/", 1)[1]
    await proxy_runner.cleanup()
    await page_runner.cleanup()


async def guess(session: aiohttp.ClientSession, base: str, n: int, headers=None) -> list[int]:
    statuses = []
    for i in range(n):
        async with session.get(f"{base}/i/wrong-{i}", headers=headers) as response:
            statuses.append(response.status)
    return statuses


async def test_one_client_guessing_through_the_proxy_locks_out_only_itself(page):
    _page_url, proxy_url, token = page
    async with from_address("127.0.0.2") as guesser, from_address("127.0.0.3") as neighbour:
        assert await guess(guesser, proxy_url, FAILURES_ALLOWED) == [404] * FAILURES_ALLOWED
        assert await guess(guesser, proxy_url, 1) == [429]
        # A header the guesser writes itself is to the left of what the proxy adds: ignored.
        assert await guess(guesser, proxy_url, 1, {"X-Forwarded-For": "198.51.100.7"}) == [429]
        assert await guess(neighbour, proxy_url, 1) == [404]  # another client: not locked out
        # A live link is never refused, not even to the address that failed.
        async with guesser.get(f"{proxy_url}/i/{token}") as response:
            assert response.status == 200 and "Confirmer" in await response.text()
        async with guesser.post(f"{proxy_url}/i/{token}") as response:
            assert response.status == 200 and "acceptée" in await response.text()


async def test_forwarded_headers_from_anyone_but_a_trusted_proxy_are_not_believed(page):
    page_url, _proxy_url, _token = page
    async with from_address("127.0.0.4") as direct:
        statuses = []
        for i in range(FAILURES_ALLOWED + 1):  # a new address in the header every time
            statuses += await guess(direct, page_url, 1,
                                    {"X-Forwarded-For": f"203.0.113.{i}",
                                     "Forwarded": f"for=203.0.113.{i}"})
        assert statuses == [404] * FAILURES_ALLOWED + [429]


async def test_a_header_the_client_wrote_through_the_proxy_moves_no_limit(page):
    """nginx adds to X-Forwarded-For and passes the client's own Forwarded through untouched:
    read, it named whatever address the client liked."""
    _page_url, proxy_url, _token = page
    async with from_address("127.0.0.7") as guesser, from_address("127.0.0.8") as victim:
        statuses = []
        for i in range(FAILURES_ALLOWED + 1):  # a fresh address of its own choosing each time
            statuses += await guess(guesser, proxy_url, 1, {"Forwarded": f"for=10.8.{i}.1"})
        assert statuses == [404] * FAILURES_ALLOWED + [429]
        # Nor can it lock someone else out by writing their address.
        await guess(guesser, proxy_url, FAILURES_ALLOWED, {"Forwarded": 'for="127.0.0.8"'})
        assert await guess(victim, proxy_url, 1) == [404]


async def test_the_standard_forwarded_header_when_the_proxy_sets_that_one(store, page):
    _page_url, _proxy_url, _token = page
    page_runner = await start_site(make_web_app(store, trusted_proxies=("127.0.0.1",),
                                                forwarded_header="Forwarded"), "127.0.0.1", 0)
    proxy = await start_proxy(url_of(page_runner), style="forwarded")
    try:
        async with from_address("127.0.0.5") as guesser, from_address("127.0.0.6") as other:
            await guess(guesser, url_of(proxy), FAILURES_ALLOWED)
            assert await guess(guesser, url_of(proxy), 1) == [429]
            assert await guess(other, url_of(proxy), 1) == [404]
            # Configured for Forwarded, an X-Forwarded-For the client wrote is not read.
            await guess(other, url_of(proxy), FAILURES_ALLOWED - 1,
                        {"X-Forwarded-For": "127.0.0.5"})
            assert await guess(other, url_of(proxy), 1) == [429]
    finally:
        await proxy.cleanup()
        await page_runner.cleanup()


async def test_the_routers_own_errors_carry_the_headers_and_no_versions(page):
    page_url, _proxy_url, _token = page
    async with aiohttp.ClientSession() as session:
        for method, path, status in (("GET", "/nowhere", 404), ("DELETE", "/i/x", 405),
                                     ("GET", "/i/unknown", 404)):
            async with session.request(method, page_url + path) as response:
                assert response.status == status
                for name, value in HEADERS.items():
                    assert response.headers[name] == value
                assert response.headers["Server"] == "linkdesk"


def test_the_failure_table_is_bounded_and_forgets_the_oldest_one_at_a_time():
    now = [0.0]
    limiter = FailureLimiter(allowed=3, window_s=60, kept=100, clock=lambda: now[0])
    for _ in range(3):
        limiter.failed("198.51.100.1")  # the guesser
    for i in range(99):  # then many addresses fail once each
        now[0] += 0.01
        limiter.failed(f"10.0.0.{i}")
    assert len(limiter) == 100 and limiter.blocked("198.51.100.1")
    now[0] += 0.01
    limiter.failed("198.51.100.1")  # still failing: kept as recent
    limiter.failed("10.1.0.0")
    assert len(limiter) == 100
    assert limiter.blocked("198.51.100.1")  # the table never forgets everyone at once
    assert not limiter.blocked("10.0.0.0")  # the one failing longest ago went first
    now[0] += 61
    assert not limiter.blocked("198.51.100.1")  # the window passed
