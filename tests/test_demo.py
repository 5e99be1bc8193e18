"""`linkdesk demo`: it starts, the pipeline moves by itself, and nothing is left behind."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest
from peewee import fn

from linkdesk.demo import FIRST_SCREEN, Demo
from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from store.clients import ClientQuery
from store.models import Company
from tui.app import make_app
from tui.screens.clients import ClientsScreen


async def test_the_demo_starts_moves_and_cleans_up():
    # The firm's own receiver in the settings: the demo's made-up clients never reach it.
    demo = Demo(Settings(db_url="(demo)", tax_year=2025, hooks_url="https://crm.firm.ca/in",
                         hooks_secret="whsec_firm"))
    directory = demo.directory
    try:
        await demo.prepare()
        store = demo.store
        firm_id = demo.preparer.firm_id
        before = await store.clients.status_counts(firm_id, 2025)
        for status in ("not_invited", "pending", "failed", "expired", "accepted"):
            assert before[status] > 0, (status, before)
        assert 280 <= sum(before.values()) <= 300
        # The network's members come once the desk shows: the screen never waits for them.
        assert await store.scalar(Company.select(fn.COUNT(Company.id))) < 100  # books only
        await store.release()
        runtime = Runtime(demo.settings, store)
        app = make_app(demo.settings, store, runtime, demo=demo)
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                deadline = time.monotonic() + 30
                while True:
                    await pilot.pause(0.2)
                    now = await store.clients.status_counts(firm_id, 2025)
                    await store.release()
                    # the store counts an acceptance as it commits; the simulated client
                    # counts it when the page's answer reaches it, a moment later
                    first_screen = await store.clients.page(
                        ClientQuery(firm_id, 2025), 0, FIRST_SCREEN)
                    await store.release()
                    # ...and a client invited in the first wave accepts where one looks
                    accepted_there = {r.id for r in first_screen if r.status == "accepted"}
                    if now["accepted"] > before["accepted"] and demo.clients.accepted > 0 \
                            and accepted_there & set(demo.first_invitations()):
                        break
                    assert time.monotonic() < deadline, (now, demo.clients.accepted)
                assert isinstance(app.screen, ClientsScreen)
                assert runtime.runs_pipeline and runtime.hooks is None  # no webhook sent
                await demo.members_loaded  # loaded meanwhile, without an error
                members = await store.scalar(Company.select(fn.COUNT(Company.id)))
                await store.release()
                assert members > 19_000
        finally:
            await runtime.stop()
    finally:
        await demo.close()
    assert not directory.exists()


@pytest.mark.parametrize(("language", "preparing"), [
    ("en", r"Preparing the demo in (\S+) …"), ("fr", r"Préparation de la démo dans (\S+)…")])
def test_a_terminal_closed_while_the_demo_prepares_ends_it_and_removes_its_directory(
        tmp_path, language, preparing):
    """SIGHUP (the terminal closed) during "Preparing…": the demo stops preparing, removes
    its directory and exits (the signal used to kill it before it could clean up). The line
    is in the language asked for (it was English under --lang fr)."""
    import os
    import re
    import signal
    import subprocess
    import sys
    from pathlib import Path

    demo = subprocess.Popen([sys.executable, "-m", "linkdesk", "--lang", language, "demo"],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp_path)))
    try:
        first = demo.stdout.readline()
        found = re.search(preparing, first)
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


async def test_the_first_screen_moves_from_the_first_seconds_for_minutes():
    """Someone watching looks at the list's first screen (by name, as it opens): a couple of
    its clients not invited yet go out in the first wave, and the colleague invites another
    one every other move (6 to 14 s apart) for minutes, never all at once. The French demo
    is a Québec firm's. The colleague's pauses run on a clock of its own: no waiting."""
    from linkdesk import demo_data
    from linkdesk.demo_activity import PAUSE_S

    demo = Demo(Settings(db_url="(demo)", tax_year=2025), language="fr")
    try:
        await demo.prepare()
        store, firm_id = demo.store, demo.preparer.firm_id
        assert demo.preparer.firm_name == "Cabinet Tremblay & Associés"
        query = ClientQuery(firm_id, 2025)
        first = await store.clients.page(query, 0, FIRST_SCREEN)
        waiting = [r.id for r in first if r.status == "not_invited"]
        assert len(waiting) >= 4, first
        assert demo.shown == waiting
        wave = demo.first_invitations()
        assert wave[:2] == waiting[:2]  # at start, before the rest of the wave

        # Québec names: on screen and in the whole list
        rows = await store.clients.page(query.with_(include_inactive=True), 0, 400)
        surnames = set(demo_data.PEOPLE_QC)
        for row in rows:
            if row.kind == "individual":
                assert row.display_name.split(", ")[0] in surnames, row.display_name
            else:
                assert any(name in row.display_name for name in surnames) \
                    or " Chez " in row.display_name, row.display_name
        assert not {"Smith", "Johnson", "Emily", "Consulting"} & {
            word.strip(",") for row in rows for word in row.display_name.split()}
        await store.release()

        now, touched = 0.0, {}

        class Enough(Exception):
            pass

        async def clock_sleep(seconds):
            """The colleague's pause: what its last move did is read, then time jumps."""
            nonlocal now
            rows = await store.clients.page(query, 0, FIRST_SCREEN)
            await store.release()
            for row in rows:
                if row.id in waiting[2:] and row.status != "not_invited":
                    touched.setdefault(row.id, now)
            if now > 600:
                raise Enough
            now += seconds

        colleague = demo.colleague(sleep=clock_sleep)
        try:
            await colleague.run()
        except Enough:
            pass
        times = sorted(touched.values())
        assert set(touched) == set(waiting[2:]), (touched, waiting)
        assert times[0] <= PAUSE_S[1]  # the first move
        assert times[-1] >= 60  # ...and the last a minute or more later
        assert all(b - a <= 2 * PAUSE_S[1] for a, b in pairwise(times))
        assert colleague.invited > len(times)  # the others go on too, further down
    finally:
        await demo.close()


def test_the_french_demo_names_a_quebec_firms_clients():
    """"Plomberie Gagnon & Fils", "Dépanneur Chez Ginette", "Les Entreprises Côté ltée"; the
    English demo keeps its own mix."""
    import random

    from linkdesk import demo_data

    rng = random.Random(1)
    french = [demo_data.client(rng, i, "fr") for i in range(300)]
    people = [c for c in french if c.kind == "individual"]
    assert {c.last_name for c in people} <= set(demo_data.PEOPLE_QC)
    assert {c.first_name for c in people} <= set(demo_data.FIRST_QC)
    assert {"Tremblay", "Gagnon", "Côté"} <= {c.last_name for c in people}
    names = [c.organization_name for c in french if c.kind == "organization"]
    assert any(" Chez " in n for n in names) and any(n.startswith("Les Entreprises ")
                                                     for n in names)
    assert sum(c.language == "fr" for c in french) > 240
    members = [demo_data.member(random.Random(i), i, "fr") for i in range(200)]
    canadian = [m for m in members if m[7] == "CA"]
    assert all(m[6] in demo_data.CITIES_QC for m in canadian)


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_the_demo_welcome_is_whole_at_80_columns(language):
    """News shows two lines at most; the French welcome took three and lost '(ctrl+q).'"""
    from pathlib import Path

    from textual.app import App
    from textual.content import Content

    from linkdesk.i18n import _, set_language
    from tui.app import DEMO_WELCOME

    class Bare(App):
        CSS_PATH = str(Path(__file__).resolve().parents[1] / "tui.tcss")

    try:
        set_language(language)
        welcome = _(DEMO_WELCOME)
    finally:
        set_language("en")
    app = Bare()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.notify(welcome, markup=False)
        await pilot.pause(0.2)
        toast = app.screen.query_one("Toast")  # by type name: Toast is not exported
        lines = Content(welcome).wrap(toast.content_region.width)
        assert len(lines) <= toast.region.height, [str(line) for line in lines]
