"""Bulk invitations: selected from the list, one dialog, real aiosmtpd capture, progress, cancel."""

from __future__ import annotations

import asyncio
import re

from linkdesk.bulk import BulkInvitation
from linkdesk.mail.capture import read_captured
from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from store import ClientDraft, check_draft
from store.models import Invitation, Outbox
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


async def test_stop_midway_takes_back_what_was_queued_and_leaves_the_rest(store):
    firm = await make_preparer(store)
    ids = await add_many(store, firm, 60)
    settings = Settings(db_url="(given store)", tax_year=YEAR)

    job = None
    seen = []

    def progress(p):
        seen.append((p.sent, p.taken_back, p.not_queued, p.waiting, p.done))
        if p.queued >= 20:
            job.cancel()

    job = BulkInvitation(store, firm, settings, ids, YEAR, on_progress=progress, chunk=20)
    # Nothing delivers here: a stopped run ends once nothing of it is left with the relay.
    progress_ = await asyncio.wait_for(job.run(), 10)
    assert (progress_.queued, progress_.sent, progress_.taken_back, progress_.not_queued,
            progress_.waiting) == (20, 0, 20, 40, 0)
    assert seen[-1] == (0, 20, 40, 0, True)
    statuses = await store.clients.statuses_of(ids, YEAR)
    assert set(statuses.values()) == {"not_invited"}
    events = await store.clients.events(ids[0])
    assert [e[0] for e in events] == ["client_added", "invitation_queued",
                                      "invitation_taken_back"]
    assert await store.invitations.claim_many(100) == []  # nothing of it can go out any more


async def test_stop_sends_what_the_relay_has_and_takes_back_the_rest(store):
    firm = await make_preparer(store)
    ids = await add_many(store, firm, 10)
    settings = Settings(db_url="(given store)", tax_year=YEAR)
    job = BulkInvitation(store, firm, settings, ids, YEAR, on_progress=lambda p: None)
    task = asyncio.create_task(job.run())
    await wait_for(lambda: job.progress.queued == 10)
    in_hand = await store.invitations.claim_many(3)  # the relay has these three
    job.cancel()
    await wait_for(lambda: job.progress.taken_back == 7)
    assert not task.done() and job.progress.waiting == 3  # the three are followed to the end
    for claimed in in_hand:
        await store.invitations.delivered(claimed, "250 OK")
    progress = await asyncio.wait_for(task, 10)
    assert (progress.sent, progress.taken_back, progress.failed, progress.not_queued) == \
        (3, 7, 0, 0)
    counts = await store.clients.status_counts(firm.firm_id, YEAR)
    assert (counts["pending"], counts["not_invited"], counts["sending"]) == (3, 7, 0)


async def test_take_back_restores_each_clients_previous_state(store, clock):
    """Not invited, failed, expired, pending (a re-invite): each is as it was, its earlier
    link live again where it had one, and its history says it was taken back."""
    from store.invitations import InviteRequest

    firm = await make_preparer(store)
    ids = await add_many(store, firm, 4)
    fresh, failed, expired, pending = ids
    tokens = {}

    def builder(client_id):
        def build(link):
            tokens.setdefault(client_id, []).append(link.rsplit("/", 1)[1])
            from store.invitations import Envelope
            return Envelope(f"<{client_id}-{len(tokens[client_id])}@x>", "p@x.ca", "c@x.ca",
                            link.encode())
        return build

    def requests(chosen):
        return [InviteRequest(c, YEAR, "c@x.ca", "en", builder(c)) for c in chosen]

    await store.invitations.invite_many(requests([failed, expired]), firm.id, "http://x")
    jobs = {j.invitation_id: j for j in await store.invitations.claim_many(10)}
    for job in jobs.values():
        if (await store.scalar(Invitation.select(Invitation.client)
                               .where(Invitation.id == job.invitation_id))) == failed:
            await store.invitations.failed(job, "550 no", permanent=True)
        else:
            await store.invitations.delivered(job, "250 OK")
    clock.advance(days=31)
    await store.invitations.expire()
    await store.invitations.invite_many(requests([pending]), firm.id, "http://x")
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    before = await store.clients.statuses_of(ids, YEAR)
    assert before == {fresh: "not_invited", failed: "failed", expired: "expired",
                      pending: "pending"}

    run = await store.bulk_runs.begin(firm.firm_id, firm.id, YEAR, 4, None)
    await store.invitations.invite_many(requests([fresh, failed, expired]), firm.id,
                                        "http://x", reinvite=False, bulk_run=run)
    await store.invitations.invite_many(requests([pending]), firm.id, "http://x",
                                        reinvite=True, bulk_run=run)
    assert set((await store.clients.statuses_of(ids, YEAR)).values()) == {"sending"}
    assert (await store.invitations.view(tokens[pending][0])).state == "cancelled"

    restored = await store.invitations.take_back(run, firm.id)
    assert restored == before
    assert await store.clients.statuses_of(ids, YEAR) == before
    assert (await store.invitations.view(tokens[pending][0])).state == "open"  # live again
    assert (await store.invitations.view(tokens[pending][-1])).state == "cancelled"
    for client_id in ids:
        kind, *_rest = (await store.clients.events(client_id))[-1]
        assert kind == "invitation_taken_back"
    assert await store.invitations.claim_many(10) == []
    assert await store.list(Outbox.select(Outbox.id).where(
        (Outbox.last_error == "taken back") & Outbox.raw.is_null(False)).tuples()) == []
    assert await store.invitations.take_back(run, firm.id) == {}  # once only


async def test_take_back_and_delivery_never_both_have_a_message(store):
    """Claims and a take-back at once: every message is either in the relay's hands or
    taken back, never both and never neither."""
    firm = await make_preparer(store)
    ids = await add_many(store, firm, 120)
    settings = Settings(db_url="(given store)", tax_year=YEAR)
    job = BulkInvitation(store, firm, settings, ids, YEAR, on_progress=lambda p: None,
                         follow=False)
    await job.run()

    async def claimer():
        claimed = []
        while jobs := await store.invitations.claim_many(4):
            claimed += [j.invitation_id for j in jobs]
            await asyncio.sleep(0)
        return claimed

    async def taker():
        await asyncio.sleep(0.005)
        return await store.invitations.take_back(job.run_id, firm.id)

    claimed_a, claimed_b, restored = await asyncio.gather(claimer(), claimer(), taker())
    claimed = claimed_a + claimed_b
    assert len(claimed) == len(set(claimed))
    counts = await store.invitations.run_counts(job.run_id)
    assert counts.taken_back == len(restored)
    assert counts.waiting == len(claimed)  # claimed, not yet reported
    assert len(claimed) + len(restored) == 120
    taken_clients = set(restored)
    claimed_clients = {c for (c,) in await store.list(Invitation.select(Invitation.client)
                                                      .where(Invitation.id.in_(claimed))
                                                      .tuples())}
    assert not taken_clients & claimed_clients


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


@on_sqlite
async def test_x_at_100_of_304_sends_no_more(store, tmp_path, monkeypatch):
    """The report: x pressed as the line says "Inviting 100/304". What the relay had is sent,
    the rest of what was queued is taken back, the line says so truthfully, then goes away."""
    from tests.harness import burst

    monkeypatch.setattr(BulkProgressPanel, "STOPPED_SHOWN_S", 0.5)
    firm = await make_preparer(store)
    await add_many(store, firm, 304)
    settings = Settings(db_url="(given store)", tax_year=YEAR, data_dir=tmp_path / "data",
                        sender_address="portail@tremblay.ca")
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    shown = []
    original = BulkProgressPanel.show

    def show(panel, progress):
        original(panel, progress)
        shown.append(str(panel.query_one("#bulk-counts").render()))
        if progress.handled == 100 and not progress.cancelled:
            burst(pilot, "x")  # the preparer's key arrives as the line shows 100/304

    monkeypatch.setattr(BulkProgressPanel, "show", show)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await sign_in(pilot, "marie", PASSWORD)
            await wait_for(lambda: runtime.started)
            await pilot.press("asterisk")
            await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await wait_for(lambda: isinstance(app.screen, ClientsScreen))
            screen = app.screen
            await wait_for(lambda: screen.bulk is None, timeout=60)
            final = shown[-1]
            await wait_for(lambda: not screen.query_one(BulkProgressPanel).display)
    finally:
        await runtime.stop()
    found = re.search(r"stopped: (\d+) sent · (\d+) taken back · (\d+) never queued · "
                      r"0 with the relay · 0 failed · 0 skipped", final)
    assert found, final
    sent, taken_back, never = map(int, found.groups())
    assert sent + taken_back + never == 304 and never >= 4
    assert len(read_captured(settings.maildir)) == sent
    counts = await store.clients.status_counts(firm.firm_id, YEAR)
    assert (counts["pending"], counts["not_invited"], counts["sending"]) == \
        (sent, 304 - sent, 0)
