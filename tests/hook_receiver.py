"""A real webhook receiver (aiohttp) for the tests: it answers the statuses it is told to, in
order (then 200), and keeps every request it got, headers and body as they came."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from aiohttp import web


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self, answers: list[int] | None = None, *, port: int = 0,
                 delay: float = 0.0, hold_after: int | None = None) -> None:
        self.answers = list(answers or [])
        self.port = port
        self.delay = delay
        self.hold_after = hold_after  # requests after this many wait for `release` to answer
        self.release = asyncio.Event()
        self.held = 0
        self.got: list[Received] = []
        self._runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.got.append(Received(dict(request.headers), body))
        if self.hold_after is not None and len(self.got) > self.hold_after:
            self.held += 1
            await self.release.wait()
        status = self.answers.pop(0) if self.answers else 200
        return web.Response(status=status, text="thanks" if status < 300 else "no")

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hooks", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *_exc) -> None:
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        return [r.event["id"] for r in self.got]
