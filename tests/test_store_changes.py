"""The change watcher sees writes made by another connection, as from another process."""

from __future__ import annotations

import asyncio

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
