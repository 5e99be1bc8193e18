"""`linkdesk status` reads an SQLite file with the standard library (store.sqlite_reader), with
no event loop, and PostgreSQL through the async Store: the same queries (the store's own), and
here the same answers. On PostgreSQL the Store is the only path (tests/test_cli.py runs it)."""

from __future__ import annotations

import json
import subprocess
import sys

from linkdesk.cli import _status_report
from store import ACCEPTED, PENDING, Store
from store.sqlite_reader import SqliteReader, answer
from store.target import parse_database_url
from tests.helpers import add_client, make_preparer, set_status
from tests.test_hooks_store import Builder

YEAR = 2024


async def _busy_firm(url: str, clock) -> None:
    """A firm with something in every part status reads: statuses, a message waiting, a
    service and the relay's complaint, a webhook event waiting, an SSH session open."""
    store = await Store.open(url, clock=clock)
    try:
        firm = await make_preparer(store)
        ids = [await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                                email=f"o{i}@x.ca") for i in range(7)]
        await set_status(store, ids[0], YEAR, PENDING)
        await set_status(store, ids[1], YEAR, ACCEPTED)
        await set_status(store, ids[2], YEAR - 1, ACCEPTED)
        await store.invitations.invite(ids[3], YEAR, firm.id, "https://p.example", "o3@x.ca",
                                       "en", Builder())
        service = await store.pipeline.register("service", runs_pipeline=True)
        await store.pipeline.relay_said(service, False, "535 5.7.8 refused", "auth")
        async with store.write():
            await store.hooks.queue("client.status_changed", [{"client": ids[1]}])
        await store.ssh.opened(firm.id, "desk", "SHA256:abc", "192.0.2.7", service)
    finally:
        await store.close()


async def test_the_sqlite_reader_answers_as_the_store_does(sqlite_url, clock):
    await _busy_firm(sqlite_url, clock)
    store = await Store.open(sqlite_url, clock=clock, read_only=True)
    try:
        through_store = await _status_report(store, YEAR)
    finally:
        await store.close()
    reader = SqliteReader(parse_database_url(sqlite_url), clock=clock)
    try:
        answer(reader.check_schema())
        through_reader = answer(_status_report(reader, YEAR))
    finally:
        reader.close()

    assert through_reader == through_store
    counts, health, hooks, sessions, _now = through_reader
    assert (counts["pending"], counts["sending"], counts["accepted"]) == (1, 1, 1)
    assert sum(counts.values()) == 7
    assert (health.waiting, health.service is not None, health.relay.kind) == (1, True, "auth")
    assert (hooks.waiting, sessions) == (1, 1)


def test_status_on_sqlite_loads_no_event_loop(sqlite_url, clock):
    """asyncio, aiosqlite, greenlet and pwasyncio were three quarters of `status --json`'s
    time on 100,000 clients; on SQLite it needs none of them."""
    import asyncio

    asyncio.run(_busy_firm(sqlite_url, clock))
    code = ("import sys, linkdesk.cli\n"
            f"code = linkdesk.cli.main(['status', '--json', '--db', {sqlite_url!r}, "
            f"'--tax-year', '{YEAR}'])\n"
            "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
            "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sending"] == 1
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert not loaded & {"asyncio", "aiosqlite", "greenlet", "playhouse.pwasyncio"}
