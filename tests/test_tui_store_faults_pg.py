"""On PostgreSQL a statement behind another connection's lock simply waits: the app says it
waits for the database, then carries on."""

from __future__ import annotations

import pytest

from tests.harness import burst, running, settle
from tests.helpers import PASSWORD, make_preparer
from tests.test_tui_store_faults import notes, wait_until
from tui.screens.clients import ClientsScreen
from tui.screens.sign_in import SignInScreen


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
async def test_on_postgresql_a_table_lock_is_waited_for_visibly_then_sign_in_succeeds(
        store, db_url):
    import asyncpg

    await make_preparer(store)
    other = await asyncpg.connect(db_url)
    try:
        async with running(store) as pilot:
            locked = other.transaction()
            await locked.start()
            await other.execute("LOCK TABLE preparer IN ACCESS EXCLUSIVE MODE")
            burst(pilot, *"marie", "enter", *PASSWORD, "enter")
            await wait_until(pilot, lambda: store.busy.waiting > 0)
            await wait_until(pilot, lambda: any("Waiting for the database" in n
                                                for n in notes(pilot.app)))
            assert isinstance(pilot.app.screen, SignInScreen)
            await locked.rollback()  # the other connection lets go
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientsScreen))
            await settle(pilot)
            assert store.busy.waiting == 0 and pilot.app.is_running
    finally:
        await other.close()  # ends its transaction too, if the test stopped before
