"""`linkdesk demo`: it starts, the pipeline moves by itself, and nothing is left behind."""

from __future__ import annotations

import time

from peewee import fn

from linkdesk.config import Settings
from linkdesk.demo import Demo
from linkdesk.runtime import Runtime
from store.models import Company
from tui.app import make_app
from tui.screens.clients import ClientsScreen


async def test_the_demo_starts_moves_and_cleans_up():
    demo = Demo(Settings(db_url="(demo)", tax_year=2025))
    directory = demo.directory
    try:
        await demo.prepare()
        store = demo.store
        firm_id = demo.preparer.firm_id
        before = await store.clients.status_counts(firm_id, 2025)
        for status in ("not_invited", "pending", "failed", "expired", "accepted"):
            assert before[status] > 0, (status, before)
        assert 280 <= sum(before.values()) <= 300
        members = await store.scalar(Company.select(fn.COUNT(Company.id)))
        assert members > 19_000
        await store.release()
        runtime = Runtime(demo.settings, store)
        app = make_app(demo.settings, store, runtime)
        app.demo = demo
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                deadline = time.monotonic() + 30
                while True:
                    await pilot.pause(0.2)
                    now = await store.clients.status_counts(firm_id, 2025)
                    await store.release()
                    # the store counts an acceptance as it commits; the simulated client
                    # counts it when the page's answer reaches it, a moment later
                    if now["accepted"] > before["accepted"] and demo.clients.accepted > 0:
                        break
                    assert time.monotonic() < deadline, (now, demo.clients.accepted)
                assert isinstance(app.screen, ClientsScreen)
        finally:
            await runtime.stop()
    finally:
        await demo.close()
    assert not directory.exists()


def test_a_terminal_closed_while_the_demo_prepares_ends_it_and_removes_its_directory(tmp_path):
    """SIGHUP (the terminal closed) during "Preparing…": the demo stops preparing, removes
    its directory and exits (the signal used to kill it before it could clean up)."""
    import os
    import re
    import signal
    import subprocess
    import sys
    from pathlib import Path

    demo = subprocess.Popen([sys.executable, "-m", "linkdesk", "demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp_path)))
    try:
        first = demo.stdout.readline()
        found = re.search(r"Preparing the demo in (\S+)", first)
        assert found, first
        directory = Path(found.group(1))
        demo.send_signal(signal.SIGHUP)
        demo.wait(timeout=60)  # a hang is TimeoutExpired, a failure
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert not directory.exists(), list(directory.rglob("*"))[:5]
    assert demo.returncode in (129, 0, 1), demo.returncode


async def test_the_demo_keeps_moving_after_its_first_wave(store, clock):
    """A colleague invites a client or two each move; now and then a delivered invitation
    bounces; the seed's reminders fall due one after another while the demo runs."""
    import random

    from linkdesk.demo import REMIND_EVERY, _reminders_falling_due
    from linkdesk.demo_activity import KeepMoving
    from tests.helpers import add_client, make_preparer

    preparer = await make_preparer(store)
    ids = [await add_client(store, preparer.firm_id, first_name=f"C{n}", last_name="Roy",
                            email=f"c{n}@example.com") for n in range(12)]
    await _reminders_falling_due(store, preparer, 2025, ids[:3])
    assert await store.reminders.due(preparer.firm_id) == []  # none due yet...
    clock.advance(seconds=2 * REMIND_EVERY)
    assert len(await store.reminders.due(preparer.firm_id)) == 2  # ...then one after another

    settings = Settings(db_url="(given store)", tax_year=2025,
                        sender_address="portail@demo.example.com")
    moving = KeepMoving(store, preparer, settings, ids[3:], random.Random(7))
    for _ in range(3):
        await moving.invite_some()
    for job in await store.invitations.claim_many(50):
        await store.invitations.delivered(job, "250 OK")
    counts = await store.clients.status_counts(preparer.firm_id, 2025)
    assert moving.invited >= 3 and counts["pending"] == 3 + moving.invited
    assert await moving.bounce()
    after = await store.clients.status_counts(preparer.firm_id, 2025)
    assert after["failed"] == 1 and after["pending"] == counts["pending"] - 1
