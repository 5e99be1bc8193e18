"""The bounce intake: an SMTP server of the service (aiosmtpd) that the firm's MX or relay
forwards the bounce address to. It takes mail only for `bounces+TAG@domain` addresses, reads
each delivery report, and says 250 only once what it said is in the database (451 otherwise:
the sending MTA tries again, nothing is lost). It never relays anything.

Reports that arrive together are written in one transaction (a group commit): at a burst of
thousands of bounces, each waits for one short write instead of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiosmtpd.smtp import SMTP as SMTPProtocol

from linkdesk.mail.reports import most_severe, read_report
from linkdesk.mail.verp import tag_of
from store.bounces import DELAY_NOTED, HISTORY_ONLY, MARKED_FAILED, Report

log = logging.getLogger("linkdesk.bounces")
MAX_REPORT_BYTES = 2 * 1024 * 1024  # a report carries the original message; ours are small
GROUP_MOST = 500  # reports written in one transaction at most
INLINE_PARSE_BYTES = 64 * 1024


class _Recorder:
    """Writes the reports handed to it, as many together as are waiting."""

    def __init__(self, store, on_change) -> None:
        self.store = store
        self.on_change = on_change
        self._waiting: list[tuple[list[Report], asyncio.Future]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="linkdesk-bounce-recorder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _reports, future in self._waiting:
            if not future.done():
                future.set_exception(ConnectionError("the intake is stopping"))
        self._waiting.clear()

    async def record(self, reports: list[Report]) -> list[str]:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((reports, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                group, taken = [], 0
                while self._waiting and taken < GROUP_MOST:
                    reports, future = self._waiting.pop(0)
                    group.append((reports, future))
                    taken += len(reports)
                flat = [report for reports, _future in group for report in reports]
                try:
                    outcomes = await self.store.bounces.record(flat)
                except Exception as exc:  # each sender is told to try again (451)
                    log.warning("recording %d delivery reports failed: %s", len(flat), exc)
                    for _reports, future in group:
                        if not future.done():
                            future.set_exception(exc)
                    await self.store.release()
                    continue
                await self.store.release()
                at = 0
                for reports, future in group:
                    if not future.done():
                        future.set_result(outcomes[at:at + len(reports)])
                    at += len(reports)
                counts = {o: outcomes.count(o) for o in set(outcomes)}
                log.info("delivery reports: %d (%s)", len(outcomes),
                         ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in sorted(counts.items())))
                if any(o in (MARKED_FAILED, DELAY_NOTED, HISTORY_ONLY) for o in outcomes):
                    self.on_change()


class _Handler:
    def __init__(self, bounce_address: str, recorder: _Recorder) -> None:
        self.bounce_address = bounce_address
        self.recorder = recorder
        self.received = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if tag_of(self.bounce_address, address) is None:
            return "550 5.1.1 Not a bounce address here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received += 1
        raw = envelope.original_content or envelope.content or b""
        # A usual report (a few KB) parses in a quarter of a millisecond, less than a trip to
        # a thread; a big one (it carries the whole original) parses off the loop.
        parts = read_report(raw) if len(raw) < INLINE_PARSE_BYTES else \
            await asyncio.to_thread(read_report, raw)
        if parts is None:  # an auto-reply, or anything else that is not a report
            log.info("not a delivery report (an auto-reply?): ignored")
            return "250 2.0.0 Not a delivery report; nothing to do"
        worst = most_severe(parts)
        reports = [Report(tag_of(self.bounce_address, rcpt), worst.action, worst.status,
                          worst.diagnostic, worst.remote_mta) for rcpt in envelope.rcpt_tos]
        try:
            await self.recorder.record(reports)
        except Exception:
            return "451 4.3.0 Cannot record it now; try again later"
        return "250 2.0.0 Recorded"


class BounceIntake:
    """Listens on host:port in this event loop; `port` is known once started."""

    def __init__(self, store, bounce_address: str, host: str = "127.0.0.1", port: int = 0,
                 on_change=lambda: None) -> None:
        self.store = store
        self.host, self.port = host, port
        self.recorder = _Recorder(store, on_change)
        self.handler = _Handler(bounce_address, self.recorder)
        self._server: asyncio.Server | None = None

    async def start(self) -> BounceIntake:
        loop = asyncio.get_running_loop()
        self.recorder.start()
        self._server = await loop.create_server(
            lambda: SMTPProtocol(self.handler, hostname="linkdesk-bounces", loop=loop,
                                 data_size_limit=MAX_REPORT_BYTES, enable_SMTPUTF8=True),
            host=self.host, port=self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("bounces: taking delivery reports on %s:%s", self.host, self.port)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self.recorder.stop()
