"""GET /i/<token> shows who invites whom and a Confirm button; the POST accepts, once (the
pages themselves are in linkdesk.web.page).

A GET changes nothing: mail scanners open links before people do. Every link that cannot be
accepted (used, expired, cancelled, unknown) gets the same page, naming nobody. Every value is
HTML-escaped; every response (the router's own 404 and 405 included) carries no-referrer, a
strict content policy and a Server header without versions. Failed look-ups are limited per
client address (behind the firm's proxies, the address they forward); a live link is never
refused for its address's failures: a client behind an office's shared address, or a proxy,
still accepts.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time

from aiohttp import web

from linkdesk.web import page
from store.invitations import LinkView

FAILURES_ALLOWED = 20  # failed look-ups per address ...
FAILURE_WINDOW_S = 600.0  # ... in this many seconds
ADDRESSES_KEPT = 10_000  # the addresses with the most recent failures are remembered
SERVER = "linkdesk"  # names no version of Python, aiohttp or linkdesk

HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _html(document: str, status: int) -> web.Response:
    return web.Response(text=document, status=status, content_type="text/html",
                        charset="utf-8", headers=HEADERS)


def _invalid(view: LinkView, language: str = "en") -> web.Response:
    status = 404 if view.state == "unknown" else 410
    return _html(page.dead_link_page(language), status)


class FailureLimiter:
    """Failed look-ups per address in a sliding window, for at most `kept` addresses: when
    full, the address whose last failure is oldest is forgotten, one at a time."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window_s: float = FAILURE_WINDOW_S,
                 kept: int = ADDRESSES_KEPT, clock=time.monotonic) -> None:
        self.allowed, self.window_s, self.kept, self.clock = allowed, window_s, kept, clock
        self._failures: collections.OrderedDict[str, collections.deque] = \
            collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def blocked(self, address: str) -> bool:
        seen = self._failures.get(address)
        if not seen:
            return False
        cutoff = self.clock() - self.window_s
        while seen and seen[0] < cutoff:
            seen.popleft()
        if not seen:
            del self._failures[address]
            return False
        return len(seen) >= self.allowed

    def failed(self, address: str) -> None:
        seen = self._failures.get(address)
        if seen is None:
            while len(self._failures) >= self.kept:
                self._failures.popitem(last=False)
            seen = self._failures[address] = collections.deque(maxlen=self.allowed)
        else:
            self._failures.move_to_end(address)
        seen.append(self.clock())


def accepted_date(accepted_at: dt.datetime | None) -> dt.date:
    """The day of an acceptance (the store's clock, UTC) in the firm's zone, the zone of the
    machine serving the page."""
    if accepted_at is None:
        return dt.date.today()
    return accepted_at.replace(tzinfo=dt.UTC).astimezone().date()


async def _secure_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Every response, the router's 404 and 405 included, gets the page's headers."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Server"] = SERVER


def make_web_app(store, on_accept=None, trusted_proxies=(),
                 limiter: FailureLimiter | None = None, *,
                 forwarded_header: str = "X-Forwarded-For", portal: str = "") -> web.Application:
    """The acceptance site around `store`; `on_accept()` runs after each acceptance (once per
    invitation: the store's accept() decides, and records it in the client's history).
    `trusted_proxies` (networks) are the firm's reverse proxies: the one header they set,
    `forwarded_header`, names the client. `portal` is the firm's client portal (links.portal):
    the accepted page leads there."""
    from linkdesk.web.client_address import ClientAddress

    app = web.Application(middlewares=[
        ClientAddress(trusted_proxies, forwarded_header).middleware])
    app.on_response_prepare.append(_secure_headers)
    limiter = FailureLimiter() if limiter is None else limiter  # an empty one is falsy (len)

    def slow_down(language: str = "en") -> web.Response:
        response = _html(page.slow_down_page(language), 429)
        response.headers["Retry-After"] = str(int(FAILURE_WINDOW_S))
        return response

    async def answer(request: web.Request, lookup, renders: dict) -> web.Response:
        """Look the token up and answer: the page `renders` has for its state, whatever the
        address's failures; else the one page for dead links (a failed look-up), or 429 once
        the address has failed too often. The page is in the client's language, or in the
        one its link to the other language asked for (?lang=)."""
        address = request.remote or "?"
        view = await lookup(request.match_info["token"])
        asked = request.query.get("lang", "")
        language = asked if asked in page.LANGUAGES else (
            view.language if view.language in page.LANGUAGES else "en")
        render = renders.get(view.state)
        if render is not None:
            return _html(render(view, language), 200)
        if limiter.blocked(address):
            return slow_down(language)
        limiter.failed(address)
        return _invalid(view, language)

    def confirm_page(view: LinkView, language: str) -> str:
        return page.invitation_page(language, view.firm_name, view.client_name,
                                    view.firm_email, view.firm_phone, portal, view.listing)

    def accepted_page(view: LinkView, language: str) -> str:
        if on_accept is not None:
            on_accept()
        return page.accepted_page(language, view.firm_name, view.client_name,
                                  view.firm_email, view.firm_phone, portal,
                                  listing=view.listing)

    def accepted_before(view: LinkView, language: str) -> str:
        """An accepted link opened again (or Confirm pressed twice): when it was accepted,
        and where to go from here. Nothing changes."""
        on = accepted_date(view.accepted_at)
        return page.accepted_page(language, view.firm_name, view.client_name,
                                  view.firm_email, view.firm_phone, portal, on, view.listing)

    async def show(request: web.Request) -> web.Response:
        return await answer(request, store.invitations.view,
                            {"open": confirm_page, "accepted": accepted_before})

    async def confirm(request: web.Request) -> web.Response:
        return await answer(request, store.invitations.accept,
                            {"accepted": accepted_page, "used": accepted_before})

    async def stop_reminders(request: web.Request) -> web.Response:
        """A reminder's one-click link (List-Unsubscribe, RFC 8058): a POST stops the client's
        reminders, whether it comes from the mail program (its body says
        List-Unsubscribe=One-Click) or from the page's button; a GET only asks, since mail
        scanners open links. The pages name the firm, never the client."""
        address = request.remote or "?"
        token = request.match_info["token"]
        asked = request.query.get("lang", "")
        if request.method == "POST":
            view = await store.reminders.stop(token)
        else:
            view = await store.reminders.stop_view(token)
        language = asked if asked in page.LANGUAGES else (
            view.language if view.language in page.LANGUAGES else "en")
        if view.found:
            render = page.reminders_stopped_page if request.method == "POST" \
                else page.stop_reminders_page
            return _html(render(language, view.firm_name), 200)
        if limiter.blocked(address):
            return slow_down(language)
        limiter.failed(address)
        return _html(page.dead_link_page(language), 404)

    app.router.add_get("/i/{token}", show)
    app.router.add_post("/i/{token}", confirm)
    app.router.add_get("/u/{token}", stop_reminders)
    app.router.add_post("/u/{token}", stop_reminders)
    return app


class Site:
    """The page being served: its `addresses`, and `cleanup()` to stop it."""

    def __init__(self, runner: web.AppRunner, server: asyncio.Server) -> None:
        self.runner = runner
        self.server = server
        self.addresses = [sock.getsockname() for sock in server.sockets]

    async def cleanup(self) -> None:
        self.server.close()
        await self.runner.cleanup()  # ends the connections still open, as aiohttp does


async def start_site(app: web.Application, host: str, port: int, *,
                     trusted_proxies=(), guard=None) -> Site:
    """Serve `app` on host:port in this event loop behind the connection guard (caps and a
    header timeout, linkdesk.web.connection_guard); stop it with `await site.cleanup()`."""
    from linkdesk.web.connection_guard import ConnectionGuard

    runner = web.AppRunner(app, access_log=None, keepalive_timeout=15.0)
    await runner.setup()
    guard = guard or ConnectionGuard(trusted_proxies)
    try:
        server = await asyncio.get_running_loop().create_server(
            guard.protocol(runner.server), host, port, reuse_address=True)
    except BaseException:
        await runner.cleanup()
        raise
    return Site(runner, server)
