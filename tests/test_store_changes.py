"""The change watcher sees writes made by another connection, as from another process."""

from __future__ import annotations

import asyncio

import pytest

from store import Store
from store.changes import ChangeWatcher
from tests.helpers import add_client, make_preparer


async def test_a_write_elsewhere_is_noticed_within_a_second(db_url, clock):
    watching = await Store.open(db_url, clock=clock)
    writing = await Store.open(db_url, clock=clock)
    noticed = asyncio.Event()
    watcher = await ChangeWatcher(watching, noticed.set).start()
    try:
        await asyncio.sleep(0.4)  # the first look records where things stand
        firm = await make_preparer(writing)
        await add_client(writing, firm.firm_id, organization_name="Acme", email="a@x.ca")
        await asyncio.wait_for(noticed.wait(), timeout=1.0)
    finally:
        await watcher.stop()
        await writing.close()
        await watching.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_the_listener_comes_back_after_its_backend_is_terminated(db_url, clock,
                                                                      monkeypatch):
    """After a restart of PostgreSQL the listening connection was never opened again: a
    running app stopped showing acceptances, a service fell back to its 5 s poll."""
    import asyncpg

    from store import changes

    monkeypatch.setattr(changes, "RECONNECT_WAITS_S", (0.1,))  # the first step, sooner
    watching = await Store.open(db_url, clock=clock)
    writing = await Store.open(db_url, clock=clock)
    noticed = asyncio.Event()
    live: list[bool] = []
    watcher = await ChangeWatcher(watching, noticed.set, live.append).start()
    admin = await asyncpg.connect(db_url)
    try:
        lost = watcher._pg.get_server_pid()
        await admin.execute("SELECT pg_terminate_backend($1)", lost)
        # On its return it says a change may have been missed.
        await asyncio.wait_for(noticed.wait(), timeout=10.0)
        assert watcher._pg.get_server_pid() != lost
        assert live == [False, True]  # said once each way (the app shows both)
        noticed.clear()
        firm = await make_preparer(writing)
        await add_client(writing, firm.firm_id, organization_name="Acme", email="a@x.ca")
        await asyncio.wait_for(noticed.wait(), timeout=2.0)  # and it hears again
    finally:
        await admin.close()
        await watcher.stop()
        await writing.close()
        await watching.close()
