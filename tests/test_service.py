"""`linkdesk serve` as the firm's service, in its own process, on real parts: a terminal on the
same database leaves it the pipeline, scripts queue through `linkdesk invite`, SIGTERM loses
nothing, kill -9 is taken over by the heartbeat, three services send each reminder once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
import urllib.request
from email import message_from_bytes

import pytest
from aiosmtpd.smtp import SMTP as SMTPProtocol

from linkdesk.bulk import BulkInvitation
from linkdesk.mail.outgoing import request_for
from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from store import Store
from store.models import Invitation, Outbox
from store.reminders import ReminderSettings
from tests.helpers import add_client, make_preparer

YEAR = 2025
LINKS = "https://portal.example.ca"  # not this machine: no process takes port 8765 here


class Sink:
    """A real SMTP server (aiosmtpd) that keeps each message's Message-ID, optionally slowly."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.ids: list[str] = []
        self.recipients: list[str] = []
        self._server = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        self.ids.append(message["Message-ID"])
        self.recipients += envelope.rcpt_tos
        return "250 2.0.0 OK"

    async def __aenter__(self) -> Sink:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTPProtocol(self, loop=loop), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc) -> None:
        self._server.close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class Service:
    """`linkdesk serve` in a child process, its stderr read line by line."""

    def __init__(self, db_url: str, sink: Sink | None, *, links: str = LINKS,
                 env: dict[str, str] | None = None) -> None:
        """`sink`: the relay (None: the built-in capture); `env`: settings added to the
        environment (tests/test_hooks_service.py gives the hooks' own)."""
        self.args = [sys.executable, "-m", "linkdesk", "serve", "--db", db_url, "--port", "0",
                     *(["--smtp", sink.url] if sink else []), "--link-base", links]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.lines: list[str] = []
        self.port: int | None = None
        self.proc = None
        self._reader = None
        self._page = asyncio.Event()

    async def start(self) -> Service:
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=self.env)
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._page.wait(), 60)
        return self

    async def _read(self) -> None:
        while line := await self.proc.stderr.readline():
            text = line.decode()
            self.lines.append(text)
            if "page: serving invitation links on http://" in text:
                self.port = int(text.split("http://127.0.0.1:")[1].split("/")[0])
                self._page.set()

    async def signal(self, sig: int) -> int:
        self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), 60)
        await self._reader
        return code

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
async def store(db_url):
    """The store on the real clock: the services in other processes read the same time."""
    s = await Store.open(db_url)
    yield s
    await s.close()


async def until(condition, timeout: float = 60.0, step: float = 0.05) -> None:
    """Wait for `condition()`; the timeout only ends a hung test, it measures nothing."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(step)


async def _firm_with_clients(store, n: int):
    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, first_name=f"Client{i}", last_name="Roy",
                            email=f"c{i}@example.com", language="fr" if i % 2 else "en")
           for i in range(n)]
    return firm, ids


async def _queue(store, firm, ids) -> None:
    requests = [request_for(await store.clients.details(i), YEAR, firm_name="Cabinet",
                            preparer_name="marie", sender_address="p@cabinet.ca") for i in ids]
    await store.invitations.invite_many(requests, firm.id, LINKS)


async def _outbox(store) -> dict[str, int]:
    rows = await store.list(Outbox.select(Outbox.state).tuples())
    counts: dict[str, int] = {}
    for (state,) in rows:
        counts[state] = counts.get(state, 0) + 1
    return counts


def _app_settings(tmp_path, sink) -> Settings:
    return Settings(db_url="", smtp_url=sink.url, link_base=LINKS, data_dir=tmp_path / "app")


@pytest.mark.timeout(240)
async def test_a_terminal_leaves_the_pipeline_to_the_service(db_url, store, tmp_path):
    firm, ids = await _firm_with_clients(store, 20)
    async with Sink() as sink:
        service = await Service(db_url, sink).start()
        runtime = Runtime(_app_settings(tmp_path, sink), store)
        try:
            await runtime.start()
            assert runtime.service is not None and not runtime.runs_pipeline
            bulk = BulkInvitation(store, firm, runtime.settings, ids[:10], YEAR,
                                  on_progress=lambda _p: None, follow=False)
            assert (await bulk.run()).queued == 10
            script = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "linkdesk", "invite", "--db", db_url, "--tax-year", str(YEAR),
                "--json", "--link-base", LINKS, *[f"C{i}@Example.com" for i in range(10, 20)],
                "nobody@example.com", stdout=asyncio.subprocess.PIPE)
            out, _err = await script.communicate()
            assert script.returncode == 1  # one address is no client's: said by the status too
            outcome = json.loads(out)
            assert outcome["queued"] == 10 and outcome["reasons"] == {"no_client": 1}
            assert outcome["service_alive"] is True
            await until(lambda: len(sink.ids) >= 20)
            assert len(set(sink.ids)) == len(sink.ids) == 20
            assert sorted(sink.recipients) == sorted(f"c{i}@example.com" for i in range(20))
            status, health = service.get("/healthz")
            assert status == 200 and health["database"] is True and health["version"]
            assert health["service_alive"] is True and health["relay"]["ok"] is True
            await until(lambda: service.get("/healthz")[1]["queue"] == 0)
        finally:
            await runtime.stop()
            code = await service.signal(signal.SIGTERM)
    assert code == 0
    log = "".join(service.lines)
    assert "started:" in log and "stopped" in log and "delivery: " in log
    assert "Traceback" not in log
    assert "/i/" not in log.replace("/i/…", "")  # no link, so no token, is ever logged
    statuses = await store.clients.statuses_of(ids, YEAR)
    assert set(statuses.values()) == {"pending"}


@pytest.mark.timeout(240)
async def test_sigterm_mid_batch_loses_nothing(sqlite_url, tmp_path):
    store = await Store.open(sqlite_url)
    try:
        firm, ids = await _firm_with_clients(store, 40)
        await _queue(store, firm, ids)
        async with Sink(delay=0.2) as sink:
            service = await Service(sqlite_url, sink).start()
            await until(lambda: len(sink.ids) >= 6)
            assert await service.signal(signal.SIGTERM) == 0
            assert "stopped" in "".join(service.lines)
            outbox = await _outbox(store)
            assert "sending" not in outbox  # the batch in hand was recorded or handed back
            assert outbox.get("sent", 0) == len(sink.ids)
            assert outbox.get("sent", 0) + outbox.get("queued", 0) == 40
            again = await Service(sqlite_url, sink).start()
            await until(lambda: len(sink.ids) >= 40)
            await until(lambda: again.get("/healthz")[1]["queue"] == 0)
            assert await again.signal(signal.SIGINT) == 0
        assert len(set(sink.ids)) == len(sink.ids) == 40  # each message once
    finally:
        await store.close()


@pytest.mark.timeout(240)
async def test_a_killed_service_is_taken_over_by_the_terminal(db_url, store, tmp_path):
    firm, ids = await _firm_with_clients(store, 30)
    async with Sink(delay=0.15) as sink:
        service = await Service(db_url, sink).start()
        runtime = Runtime(_app_settings(tmp_path, sink), store)
        try:
            await runtime.start()
            assert not runtime.runs_pipeline
            await _queue(store, firm, ids)
            runtime.changed()
            await until(lambda: len(sink.ids) >= 3)
            service.proc.send_signal(signal.SIGKILL)
            await service.proc.wait()
            claimed = (await _outbox(store)).get("sending", 0)
            assert claimed > 0  # the kill left messages claimed by a dead process
            # The lease is 5 minutes; the heartbeat hands them over long before.
            await until(lambda: runtime.runs_pipeline, timeout=60)
            await until(lambda: set(sink.recipients) >= {f"c{i}@example.com" for i in range(30)},
                        timeout=90)
            await until(lambda: runtime.service is None)
        finally:
            await runtime.stop()
    outbox = await _outbox(store)
    assert outbox == {"sent": 30}


@pytest.mark.timeout(300)
async def test_three_services_send_each_reminder_once(db_url, store, tmp_path):
    firm, ids = await _firm_with_clients(store, 500)
    await _queue(store, firm, ids)
    while jobs := await store.invitations.claim_many(200):
        for job in jobs:
            await store.invitations.delivered(job, "250 OK")
    await store.execute(Invitation.update(sent_at=store.clock() - dt.timedelta(days=8)))
    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=1))
    async with Sink() as sink:
        services = await asyncio.gather(*(Service(db_url, sink).start() for _ in range(3)))
        try:
            await until(lambda: len(sink.ids) >= 500, timeout=180)
            for service in services:
                await until(lambda s=service: s.get("/healthz")[1]["queue"] == 0)
        finally:
            codes = [await s.signal(signal.SIGTERM) for s in services]
    assert codes == [0, 0, 0]
    assert len(sink.ids) == len(set(sink.ids)) == 500
    assert sorted(sink.recipients) == sorted(f"c{i}@example.com" for i in range(500))
    reminded = await store.list(Invitation.select(Invitation.reminders).tuples())
    assert {count for (count,) in reminded} == {1}
