"""A busy or failing database never crashes the app: it waits visibly, or says what failed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys

import pytest
from textual.widgets import Input

from tests.harness import burst, on_sqlite, running, settle
from tests.helpers import PASSWORD, make_preparer
from tui.screens.clients import ClientsScreen
from tui.screens.sign_in import SignInScreen
from tui.textual_patches.notifications import shown_toasts

pytestmark = on_sqlite

HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


def notes(app) -> list[str]:
    return [str(n.message) for n in shown_toasts(app)]


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


async def test_a_bug_stops_the_app_with_one_line_and_a_log_without_secrets(
        store, tmp_path, monkeypatch):
    from store.secret import Secret
    from tests.harness import settings
    from tui.app import make_app

    await make_preparer(store)

    async def broken(preparer_id):  # a bug after the password was checked
        raise RuntimeError("a bug in building the preparer's details")

    monkeypatch.setattr(store.accounts, "_info", broken)
    app = make_app(settings(data_dir=tmp_path / "data"), store)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            burst(pilot, *"marie", "enter", *PASSWORD, "enter")
            await wait_until(pilot, lambda: app.crash_line is not None)
    assert "RuntimeError" in app.crash_line and str(tmp_path / "data") in app.crash_line
    log = (tmp_path / "data" / "crash.log").read_text()
    assert "a bug in building" in log and PASSWORD not in log and "argon2" not in log
    assert oct((tmp_path / "data" / "crash.log").stat().st_mode & 0o777) == "0o600"
    assert PASSWORD not in repr(Secret(PASSWORD)) and PASSWORD not in str(Secret(PASSWORD))

