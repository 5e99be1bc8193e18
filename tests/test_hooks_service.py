"""Webhooks from `linkdesk serve` in its own process: kill -9 mid-batch loses no event; the next
service sends what the dead one held, with the same ids and bodies; /healthz and `linkdesk
status --json` show the queue and the receiver's last answer."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import urllib.request

import pytest

from store import Store
from store.models import HookEvent
from tests.hook_receiver import Receiver
from tests.test_service import Service as ServiceProcess

LINKS = "https://portail.example.ca"  # not this machine: no process takes port 8765 here
SECRET = "whsec_service"


class Service(ServiceProcess):
    """`linkdesk serve` with hooks.url and hooks.secret_file, in a child process."""

    def __init__(self, db_url: str, receiver: Receiver, secret_file) -> None:
        super().__init__(db_url, None, links=LINKS, env={
            "LINKDESK_HOOKS_URL": receiver.url, "LINKDESK_HOOKS_SECRET_FILE": str(secret_file)})

    def health(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
            return json.loads(r.read())


async def until(condition, timeout: float = 90.0, step: float = 0.05) -> None:
    """Wait for `condition()`; the timeout only ends a hung test, it measures nothing."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(step)


async def states(store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (state,) in await store.list(HookEvent.select(HookEvent.state).tuples()):
        counts[state] = counts.get(state, 0) + 1
    return counts


@pytest.mark.timeout(240)
async def test_kill_9_mid_batch_loses_no_event(db_url, tmp_path):
    secret_file = tmp_path / "hooks-secret"
    secret_file.write_text(SECRET + "\n")
    store = await Store.open(db_url)
    try:
        ids: list[str] = []
        for start in range(0, 60, 20):
            async with store.write():
                ids += await store.hooks.queue("bill.paid", [{"n": n}
                                                             for n in range(start, start + 20)])
        async with Receiver(hold_after=10) as receiver:
            service = await Service(db_url, receiver, secret_file).start()
            await until(lambda: receiver.held > 0)  # a batch is in the receiver's hands
            service.proc.send_signal(signal.SIGKILL)
            await service.proc.wait()
            counts = await states(store)
            assert counts.get("sending", 0) > 0  # claimed by a process that is gone
            assert sum(counts.values()) == 60 and counts.get("sent", 0) < 60
            receiver.hold_after = None
            receiver.release.set()
            again = await Service(db_url, receiver, secret_file).start()
            await until(lambda: set(receiver.ids()) >= set(ids))
            await until(lambda: again.health()["hooks"]["queue"] == 0)
            hooks = again.health()["hooks"]
            assert hooks["last_status"] == 200 and hooks["last_error"] is None
            again.proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(again.proc.wait(), 60) == 0
        assert await states(store) == {"sent": 60}
        bodies: dict[str, bytes] = {}
        for got in receiver.got:  # an event sent twice is the same event, byte for byte
            assert bodies.setdefault(got.event["id"], got.body) == got.body
        status = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "linkdesk", "status", "--json", "--db", db_url,
            stdout=asyncio.subprocess.PIPE)
        out, _ = await status.communicate()
        shown = json.loads(out)["hooks"]
        assert (shown["queue"], shown["last_status"]) == (0, 200)
        status = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "linkdesk", "status", "--db", db_url, "--lang", "fr",
            stdout=asyncio.subprocess.PIPE)
        out, _ = await status.communicate()
        text = out.decode()
        assert "Webhooks en attente\u00a0: 0\n" in text
        assert "Dernière réponse du destinataire\u00a0: HTTP 200 (" in text
        log = "".join(again.lines)
        assert "webhooks: " in log and "Traceback" not in log and SECRET not in log
    finally:
        await store.close()


@pytest.mark.timeout(240)
async def test_a_client_accepting_on_the_page_is_told_to_the_firms_system(sqlite_url, tmp_path):
    import aiohttp

    from linkdesk.hooks.signing import verify
    from tests.helpers import add_client, make_preparer
    from tests.test_hooks_store import Builder

    secret_file = tmp_path / "hooks-secret"
    secret_file.write_text(SECRET + "\n")
    store = await Store.open(sqlite_url)
    try:
        firm = await make_preparer(store)
        client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                     email="info@fortin.ca", language="fr")
        builder = Builder()
        await store.invitations.invite(client_id, 2025, firm.id, LINKS, "info@fortin.ca", "fr",
                                       builder)
        async with Receiver() as receiver:
            service = await Service(sqlite_url, receiver, secret_file).start()
            try:
                link = f"http://127.0.0.1:{service.port}/i/{builder.token}"
                async with aiohttp.ClientSession() as http, http.post(link) as page:
                    assert page.status == 200
                await until(lambda: len(receiver.got) >= 1)
            finally:
                service.proc.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(service.proc.wait(), 60) == 0
        (got,) = receiver.got
        assert verify(SECRET, got.headers["Linkdesk-Signature"], got.body)
        assert got.event["type"] == "invitation.accepted"
        assert got.event["data"] == {"client": {
            "id": client_id, "kind": "organization", "name": "Toiture Fortin",
            "email": "info@fortin.ca", "language": "fr"}, "tax_year": 2025}
        assert builder.token.encode() not in got.body
    finally:
        await store.close()
