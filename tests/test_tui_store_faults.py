"""A busy or failing database never crashes the app: it waits visibly, or says what failed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import pytest
from textual.widgets import Input

from tests.harness import burst, running, settle
from tests.helpers import PASSWORD, make_preparer
from tui.screens.clients import ClientsScreen
from tui.screens.sign_in import SignInScreen

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait_until(pilot, predicate, limit_s=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not predicate():
        assert loop.time() < deadline, "condition never met"
        await pilot.pause(0.02)


async def test_sign_in_waits_for_another_programs_write_lock_then_succeeds(store, db_url):
    await make_preparer(store)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, db_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        async with running(store) as pilot:
            burst(pilot, *"marie", "enter", *PASSWORD, "enter")
            await wait_until(pilot, lambda: store.busy.waiting > 0)
            await wait_until(pilot, lambda: any("Waiting for the database" in n
                                                for n in notes(pilot.app)))
            assert isinstance(pilot.app.screen, SignInScreen)
            holder.stdin.write("\n")
            holder.stdin.flush()
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ClientsScreen))
            await settle(pilot)
            await wait_until(pilot, lambda: not any("Waiting for the database" in n
                                                    for n in notes(pilot.app)))
            assert pilot.app.is_running
    finally:
        holder.kill()
        holder.wait()


async def test_a_failing_database_is_one_message_and_keeps_what_was_typed(store, db_url):
    await make_preparer(store)
    async with running(store) as pilot:
        with sqlite3.connect(db_url) as other:  # the table the sign-in reads is gone
            other.execute("ALTER TABLE preparer RENAME TO preparer_gone")
        burst(pilot, *"marie", "enter", *PASSWORD, "enter")
        await wait_until(pilot, lambda: any("The database could not do that" in n
                                            for n in notes(pilot.app)))
        await settle(pilot)
        screen = pilot.app.screen
        assert pilot.app.is_running and isinstance(screen, SignInScreen)
        assert screen.query_one("#input-username", Input).value == "marie"
        assert PASSWORD not in " ".join(notes(pilot.app))
