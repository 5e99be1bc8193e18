"""GET /i/<token> shows who invites whom and a Confirm button; the POST accepts, once.

A GET changes nothing: mail scanners open links before people do. Every link that cannot be
accepted (used, expired, cancelled, unknown) gets the same page, naming nobody. Every value is
HTML-escaped; responses carry no-referrer and a strict content policy; failed look-ups are
rate-limited per address.
"""

from __future__ import annotations

import collections
import html
import time

from aiohttp import web

from store.invitations import LinkView

FAILURES_ALLOWED = 20  # failed look-ups per address ...
FAILURE_WINDOW_S = 600.0  # ... in this many seconds

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


class _FailureLimiter:
    """Counts failed look-ups per address in a sliding window."""

    def __init__(self) -> None:
        self._failures: dict[str, collections.deque] = {}

    def blocked(self, address: str) -> bool:
        seen = self._failures.get(address)
        if not seen:
            return False
        cutoff = time.monotonic() - FAILURE_WINDOW_S
        while seen and seen[0] < cutoff:
            seen.popleft()
        return len(seen) >= FAILURES_ALLOWED

    def failed(self, address: str) -> None:
        if len(self._failures) > 10_000:
            self._failures.clear()
        self._failures.setdefault(address, collections.deque()).append(time.monotonic())


def make_web_app(store, on_accept=None) -> web.Application:
    """The acceptance site around `store`; `on_accept()` runs after each acceptance."""
    app = web.Application()
    limiter = _FailureLimiter()

    def slow_down(language: str = "en") -> web.Response:
        response = _page(language, f"<p>{html.escape(TEXT[language]['slow_down'])}</p>", 429)
        response.headers["Retry-After"] = str(int(FAILURE_WINDOW_S))
        return response

    async def answer(request: web.Request, lookup, wanted: str, render) -> web.Response:
        """Rate limit, look the token up, and answer: `render` when in state `wanted`, else the
        one page for dead links (which counts as a failed look-up)."""
        address = request.remote or "?"
        if limiter.blocked(address):
            return slow_down()
        view = await lookup(request.match_info["token"])
        language = view.language if view.language in TEXT else "en"
        if view.state != wanted:
            limiter.failed(address)
            return _invalid(view, language)
        return render(view, TEXT[language], language)

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
        message = html.escape(text["accepted"]).format(
            client=html.escape(view.client_name), firm=html.escape(view.firm_name))
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
