"""A restart of PostgreSQL does not silence a running desk: it says once that it lost the
connection that hears other desks' changes, once that it is back, and shows what changed
meanwhile (issue 25, item 4)."""

from __future__ import annotations

import asyncpg
import pytest

from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from tests.harness import shown_names, sign_in, wait_for
from tests.helpers import PASSWORD, add_client, make_preparer
from tui.app import make_app
from tui.textual_patches.notifications import shown_toasts

pytestmark = [pytest.mark.postgres,
              pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)]


async def test_the_desk_says_it_lost_the_change_signal_and_catches_up(store, db_url, tmp_path,
                                                                       monkeypatch):
    from store import Store, changes

    monkeypatch.setattr(changes, "RECONNECT_WAITS_S", (0.2,))
    firm = await make_preparer(store)
    settings = Settings(db_url="(given store)", tax_year=2025, data_dir=tmp_path / "data")
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    writing = await Store.open(db_url)
    admin = await asyncpg.connect(db_url)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(pilot, "marie", PASSWORD)
            await wait_for(lambda: runtime.started)
            await admin.execute("SELECT pg_terminate_backend($1)",
                                runtime.watcher._pg.get_server_pid())
            # Written elsewhere while nobody listens: shown once the listener is back.
            await add_client(writing, firm.firm_id, organization_name="Acme Ltée",
                             email="acme@example.com")
            await wait_for(lambda: any("Connected to the database again" in str(t.message)
                                       for t in shown_toasts(app)))
            messages = [str(t.message) for t in shown_toasts(app)]
            assert sum("Lost the connection" in m for m in messages) == 1, messages
            await wait_for(lambda: "Acme Ltée" in shown_names(app))
            await pilot.pause()
    finally:
        await admin.close()
        await writing.close()
        await runtime.stop()
