"""GET /i/<token> shows who invites whom and a Confirm button; the POST accepts, once.

A GET changes nothing: mail scanners open links before people do. Every link that cannot be
accepted (used, expired, cancelled, unknown) gets the same page, naming nobody. Every value is
HTML-escaped; every response (the router's own 404 and 405 included) carries no-referrer, a
strict content policy and a Server header without versions. Failed look-ups are limited per
client address (behind the firm's proxies, the address they forward); a live link is never
refused for its address's failures: a client behind an office's shared address, or a proxy,
still accepts.
"""

from __future__ import annotations

import collections
import html
import time

from aiohttp import web

from store.invitations import LinkView

FAILURES_ALLOWED = 20  # failed look-ups per address ...
FAILURE_WINDOW_S = 600.0  # ... in this many seconds
ADDRESSES_KEPT = 10_000  # the addresses with the most recent failures are remembered
SERVER = "linkdesk"  # names no version of Python, aiohttp or linkdesk

TEXT = {
    "en": {
        "title": "Client portal invitation",
        "invite": "{firm} invites {client} to its client portal.",
        "confirm": "Confirm",
        "accepted": "Thank you, {client}. Your invitation from {firm} is accepted.",
        "invalid": "This invitation link cannot be used. It may have been used already, "
                   "replaced by a newer invitation, or expired. Ask your accountant for a "
                   "new invitation.",
        "slow_down": "Too many attempts. Try again in a few minutes.",
    },
    "fr": {
        "title": "Invitation au portail client",
        "invite": "{firm} invite {client} à son portail client.",
        "confirm": "Confirmer",
        "accepted": "Merci, {client}. Votre invitation de {firm} est acceptée.",
        "invalid": "Ce lien d'invitation ne peut pas être utilisé. Il a peut-être déjà servi, "
                   "été remplacé par une invitation plus récente ou expiré. Demandez une "
                   "nouvelle invitation à votre comptable.",
        "slow_down": "Trop de tentatives. Réessayez dans quelques minutes.",
    },
}
HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _page(language: str, body: str, status: int) -> web.Response:
    text = TEXT.get(language, TEXT["en"])
    lang = "fr-CA" if language == "fr" else "en-CA"
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{html.escape(text['title'])}</title></head>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"{body}</body></html>"
    )
    return web.Response(text=document, status=status, content_type="text/html",
                        charset="utf-8", headers=HEADERS)


def _invalid(view: LinkView, language: str = "en") -> web.Response:
    status = 404 if view.state == "unknown" else 410
    return _page(language, f"<p>{html.escape(TEXT[language]['invalid'])}</p>", status)


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


async def _secure_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """Every response, the router's 404 and 405 included, gets the page's headers."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Server"] = SERVER


def make_web_app(store, on_accept=None, trusted_proxies=(),
                 limiter: FailureLimiter | None = None) -> web.Application:
    """The acceptance site around `store`; `on_accept()` runs after each acceptance.
    `trusted_proxies` (networks) are the firm's reverse proxies: their forwarded headers name
    the client."""
    from linkdesk.web.client_address import ClientAddress

    app = web.Application(middlewares=[ClientAddress(trusted_proxies).middleware])
    app.on_response_prepare.append(_secure_headers)
    limiter = limiter or FailureLimiter()

    def slow_down(language: str = "en") -> web.Response:
        response = _page(language, f"<p>{html.escape(TEXT[language]['slow_down'])}</p>", 429)
        response.headers["Retry-After"] = str(int(FAILURE_WINDOW_S))
        return response

    async def answer(request: web.Request, lookup, wanted: str, render) -> web.Response:
        """Look the token up and answer: `render` when in state `wanted`, whatever the
        address's failures; else the one page for dead links (a failed look-up), or 429 once
        the address has failed too often."""
        address = request.remote or "?"
        view = await lookup(request.match_info["token"])
        language = view.language if view.language in TEXT else "en"
        if view.state == wanted:
            return render(view, TEXT[language], language)
        if limiter.blocked(address):
            return slow_down()
        limiter.failed(address)
        return _invalid(view, language)

    def one_period(template: str, **names: str) -> str:
        """The sentence with the names put in (escaped), never ending "inc.." when a name
        ends with a period where the sentence would put its own."""
        for key, value in names.items():
            if value.endswith("."):
                template = template.replace("{" + key + "}.", "{" + key + "}")
        return template.format(**{k: html.escape(v) for k, v in names.items()})

    def confirm_page(view: LinkView, text: dict, language: str) -> web.Response:
        invite = html.escape(text["invite"]).format(
            firm=f"<strong>{html.escape(view.firm_name)}</strong>",
            client=f"<strong>{html.escape(view.client_name)}</strong>",
        )
        body = (
            f"<h1>{html.escape(text['title'])}</h1><p>{invite}</p>"
            '<form method="post"><button type="submit" style="font-size:1.1em;'
            f'padding:.5em 1.5em">{html.escape(text["confirm"])}</button></form>'
        )
        return _page(language, body, 200)

    def accepted_page(view: LinkView, text: dict, language: str) -> web.Response:
        if on_accept is not None:
            on_accept()
        message = one_period(html.escape(text["accepted"]), client=view.client_name,
                             firm=view.firm_name)
        return _page(language, f"<p>{message}</p>", 200)

    async def show(request: web.Request) -> web.Response:
        return await answer(request, store.invitations.view, "open", confirm_page)

    async def confirm(request: web.Request) -> web.Response:
        return await answer(request, store.invitations.accept, "accepted", accepted_page)

    app.router.add_get("/i/{token}", show)
    app.router.add_post("/i/{token}", confirm)
    return app


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port in this event loop; stop it with `await runner.cleanup()`."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
