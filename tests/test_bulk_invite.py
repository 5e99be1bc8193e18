"""Bulk invitations: selected from the list, one dialog, real aiosmtpd capture, progress, cancel."""

from __future__ import annotations

import asyncio
import re

from linkdesk.bulk import BulkInvitation
from linkdesk.config import Settings
from linkdesk.mail.capture import read_captured
from linkdesk.runtime import Runtime
from store import ClientDraft, check_draft
from tests.harness import on_sqlite, settle, sign_in, table, wait_for
from tests.helpers import PASSWORD, make_preparer
from tui.app import make_app
from tui.screens.bulk_invite import BulkInviteScreen
from tui.screens.clients import ClientsScreen
from tui.widgets.bulk_progress import BulkProgressPanel

YEAR = 2025




async def add_many(store, firm, n: int) -> list[int]:
    ids = []
    for i in range(n):
        language = "fr" if i % 3 == 0 else "en"
        clean = check_draft(ClientDraft(kind="individual", first_name=f"Prénom{i}",
                                        last_name=f"Nom{i:03d}", email=f"c{i}@example.com",
                                        language=language))
        ids.append(await store.clients.add(firm.firm_id, clean, firm.id))
    return ids


@on_sqlite
async def test_bulk_invite_of_200_from_the_list(store, tmp_path):
    firm = await make_preparer(store)
    await add_many(store, firm, 200)
    settings = Settings(db_url="(given store)", tax_year=YEAR, data_dir=tmp_path / "data",
                        sender_address="portail@tremblay.ca")
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(pilot, "marie", PASSWORD)
            await wait_for(lambda: runtime.started)
            await pilot.press("space", "space")  # two chosen by hand, then everything shown
            await settle(pilot)
            assert len(table(app).selected) == 2
            await pilot.press("asterisk")
            await settle(pilot)
            assert len(table(app).selected) == 200
            await pilot.press("i")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, BulkInviteScreen) and len(dialog.reached) == 200
            summary = str(dialog.query_one("#bulk-summary").render())
            assert "67 in French" in summary and "133 in English" in summary
            await pilot.press("ctrl+s")
            await wait_for(lambda: isinstance(app.screen, ClientsScreen))
            screen = app.screen
            await wait_for(lambda: screen.bulk is None and screen.query_one(
                BulkProgressPanel).display, timeout=60)
            counts = str(screen.query_one("#bulk-counts").render())
            assert "200 sent · 0 waiting · 0 failed · 0 skipped" in counts
            assert not table(app).selected
    finally:
        await runtime.stop()
    mails = read_captured(settings.maildir)
    assert len(mails) == 200
    tokens = {re.search(r"/i/([\w-]+)", m.text).group(1) for m in mails}
    assert len(tokens) == 200
    french = [m for m in mails if m.message["Content-Language"] == "fr-CA"]
    assert len(french) == 67 and all("vous invite" in str(m.subject) for m in french)
    counts = await store.clients.status_counts(firm.firm_id, YEAR)
    assert counts["pending"] == 200


async def test_cancel_midway_leaves_the_rest_not_invited(store):
    firm = await make_preparer(store)
    ids = await add_many(store, firm, 60)
    settings = Settings(db_url="(given store)", tax_year=YEAR)

    job = None

    def progress(p):
        if p.queued >= 20:
            job.cancel()

    job = BulkInvitation(store, firm, settings, ids, YEAR, on_progress=progress, chunk=20)
    # Nothing delivers here: stop following delivery once queueing has stopped.
    job_task = asyncio.create_task(job.run())
    await wait_for(lambda: job.progress.cancelled and job.progress.queued == 20)
    job_task.cancel()
    statuses = await store.clients.statuses_of(ids, YEAR)
    assert [statuses[i] for i in ids[:20]] == ["sending"] * 20
    assert set(statuses[i] for i in ids[20:]) == {"not_invited"}
    events = await store.clients.events(ids[0])
    assert [e[0] for e in events] == ["client_added", "invitation_queued"]


async def test_a_second_bulk_run_skips_who_is_already_invited(store):
    firm = await make_preparer(store)
    ids = await add_many(store, firm, 10)
    settings = Settings(db_url="(given store)", tax_year=YEAR)
    first = BulkInvitation(store, firm, settings, ids[:4], YEAR, on_progress=lambda p: None)
    first.progress.sent = 0
    task = asyncio.create_task(first.run())
    await wait_for(lambda: first.progress.queued == 4)
    task.cancel()
    second = BulkInvitation(store, firm, settings, ids, YEAR, on_progress=lambda p: None)
    task = asyncio.create_task(second.run())
    await wait_for(lambda: second.progress.handled == 10)
    task.cancel()
    assert (second.progress.queued, second.progress.skipped) == (6, 4)


def test_the_dialog_says_why_clients_are_skipped():
    from linkdesk.i18n import set_language
    from tui.screens.bulk_invite import plan_of, skip_reasons

    clients = [{"id": 1, "active": False}, {"id": 2, "active": True},
               {"id": 3, "active": True}, {"id": 4, "active": True}, {"id": 5, "active": True}]
    statuses = {1: "not_invited", 2: "accepted", 3: "accepted", 4: "pending", 5: "not_invited"}
    reached, skipped = plan_of(clients, statuses, reinvite=False)
    assert [c["id"] for c in reached] == [5]
    assert skip_reasons(skipped, statuses) == \
        "1 inactive, 2 already accepted, 1 with an invitation under way"
    try:
        set_language("fr")
        assert skip_reasons(skipped, statuses) == \
            "1 inactif, 2 ont déjà accepté, 1 avec une invitation en cours"
    finally:
        set_language("en")
