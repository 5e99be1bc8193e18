"""The pipeline across processes, at the store's level: reminders queued once however many
sweep at once, a reminder that keeps the first link working, a dead process's claims taken
over as soon as its heartbeat stops."""

from __future__ import annotations

import asyncio

from linkdesk.mail.reminders import send_due_reminders
from store import Store
from store.models import Outbox
from store.pipeline import APP, SERVICE
from store.reminders import ReminderSettings
from tests.harness import on_sqlite
from tests.helpers import add_client, make_preparer
from tests.test_reminders import BASE, YEAR, invite_and_deliver


def token_of(raw: bytes) -> str:
    """The link's token from a composed message (the body may be quoted-printable)."""
    import email
    import re
    from email import policy

    message = email.message_from_bytes(raw, policy=policy.default)
    text = next(part.get_content() for part in message.walk()
                if part.get_content_type() == "text/plain") \
        if message.is_multipart() else message.get_content()
    return re.search(r"/i/([A-Za-z0-9_-]+)", text).group(1)


async def _deliver_all(store) -> list:
    jobs = await store.invitations.claim_many(1000)
    for job in jobs:
        await store.invitations.delivered(job, "250 OK")
    return jobs


async def test_a_reminder_keeps_the_first_link_working(store, clock):
    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Roy",
                              email="e@example.com")
    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=2))
    client_details = await store.clients.details(client)
    from linkdesk.mail.outgoing import request_for

    await store.invitations.invite_many(
        [request_for(client_details, YEAR, firm_name="Cabinet", preparer_name="marie",
                     sender_address="p@cabinet.ca")], firm.id, BASE)
    (first,) = await _deliver_all(store)
    clock.advance(days=8)
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 1
    (reminder,) = await _deliver_all(store)
    first_token, second_token = token_of(first.raw), token_of(reminder.raw)
    assert first_token != second_token
    assert (await store.invitations.view(first_token)).state == "open"
    assert (await store.invitations.view(second_token)).state == "open"
    assert (await store.clients.statuses_of([client], YEAR))[client] == "pending"
    assert (await store.invitations.accept(first_token)).state == "accepted"
    assert (await store.invitations.view(second_token)).state == "accepted"
    assert (await store.invitations.accept(second_token)).state == "used"


async def test_a_reminder_link_dies_with_a_cancel(store, clock):
    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, first_name="Jean", last_name="Roy",
                              email="j@example.com")
    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=1))
    await invite_and_deliver(store, firm, [client])
    clock.advance(days=8)
    assert await send_due_reminders(store, "p@cabinet.ca", BASE) == 1
    (reminder,) = await _deliver_all(store)
    await store.invitations.cancel(client, YEAR, firm.id)
    assert (await store.invitations.view(token_of(reminder.raw))).state == "cancelled"


async def test_sweeps_at_once_queue_each_reminder_once(db_url, store, clock):
    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, first_name=f"C{i}", last_name="Roy",
                            email=f"c{i}@example.com") for i in range(60)]
    await invite_and_deliver(store, firm, ids)
    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=1))
    clock.advance(days=8)
    others = [await Store.open(db_url, clock=clock) for _ in range(2)]
    try:
        queued = await asyncio.gather(*(send_due_reminders(s, "p@cabinet.ca", BASE)
                                        for s in (store, *others)))
    finally:
        for other in others:
            await other.close()
    assert sum(queued) == 60
    from peewee import fn

    assert await store.scalar(Outbox.select(fn.COUNT(Outbox.id))
                              .where(Outbox.state == "queued")) == 60


async def test_a_dead_process_claims_are_taken_over_at_once(store, clock):
    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, first_name=f"C{i}", last_name="Roy",
                            email=f"c{i}@example.com") for i in range(5)]
    from linkdesk.mail.outgoing import request_for

    requests = [request_for(await store.clients.details(i), YEAR, firm_name="Cabinet",
                            preparer_name="marie", sender_address="p@cabinet.ca") for i in ids]
    await store.invitations.invite_many(requests, firm.id, BASE)
    dying = await store.pipeline.register(SERVICE, runs_pipeline=True)
    survivor = await store.pipeline.register(APP, runs_pipeline=True)
    assert len(await store.invitations.claim_many(100, by=dying)) == 5
    assert await store.invitations.claim_many(100, by=survivor) == []  # held while it beats
    clock.advance(seconds=3)
    await store.pipeline.beat(survivor, runs_pipeline=True, serves_page=False)
    assert await store.invitations.claim_many(100, by=survivor) == []
    clock.advance(seconds=6)  # the dying one missed its beats: gone, long before the lease
    await store.pipeline.beat(survivor, runs_pipeline=True, serves_page=False)
    assert (await store.pipeline.service()) is None
    taken = await store.invitations.claim_many(100, by=survivor)
    assert len(taken) == 5 and all(job.attempts == 2 for job in taken)


async def test_a_clean_stop_hands_its_claims_back(store, clock):
    firm = await make_preparer(store)
    client = await add_client(store, firm.firm_id, first_name="Luc", last_name="Roy",
                              email="l@example.com")
    from linkdesk.mail.outgoing import request_for

    await store.invitations.invite_many(
        [request_for(await store.clients.details(client), YEAR, firm_name="Cabinet",
                     preparer_name="marie", sender_address="p@cabinet.ca")], firm.id, BASE)
    service = await store.pipeline.register(SERVICE, runs_pipeline=True)
    assert (await store.pipeline.service()).id == service
    assert len(await store.invitations.claim_many(10, by=service)) == 1
    await store.pipeline.stop(service)
    assert await store.pipeline.service() is None
    health = await store.pipeline.health()
    assert health.waiting == 1 and health.oldest_waiting_at == clock.now
    assert len(await store.invitations.claim_many(10, by=None)) == 1


@on_sqlite
async def test_a_bulk_invitation_cut_short_is_seen_by_everyone(store, clock):
    from linkdesk.bulk import BulkInvitation
    from linkdesk.settings import Settings
    from tests.harness import running, settle, sign_in
    from tests.helpers import PASSWORD
    from tui.widgets.bulk_progress import BulkProgressPanel

    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, first_name=f"C{i}", last_name="Roy",
                            email=f"c{i}@example.com") for i in range(30)]
    dying = await store.pipeline.register(APP, runs_pipeline=True)
    progress = []
    bulk = BulkInvitation(store, firm, Settings(db_url=""), ids, YEAR, chunk=10,
                          on_progress=lambda p: progress.append(p.queued), process_id=dying,
                          follow=False)
    original = store.invitations.invite_many
    calls = 0

    async def crash_on_the_third_chunk(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise SystemExit  # the process goes away without cleaning up (as a kill would)
        return await original(*args, **kwargs)

    store.invitations.invite_many = crash_on_the_third_chunk
    try:
        await bulk.run()
    except SystemExit:
        pass
    store.invitations.invite_many = original
    # Interrupted by its own process: shown at once. (A kill -9 leaves "running"; see below.)
    (run,) = await store.bulk_runs.cut_short(firm.firm_id)
    assert (run.queued, run.total, run.not_reached, run.preparer) == (20, 30, 10, "marie")

    from store.models import BulkRun

    await store.execute(BulkRun.update(state="running"))  # as a kill -9 leaves it
    assert await store.bulk_runs.cut_short(firm.firm_id) == []  # its process still beats
    clock.advance(seconds=10)
    (run,) = await store.bulk_runs.cut_short(firm.firm_id)
    assert run.not_reached == 10

    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await settle(pilot)
        panel = pilot.app.screen.query_one(BulkProgressPanel)
        assert panel.display
        text = str(panel.query_one("#bulk-counts").render())
        assert "cut short: 20 of 30 queued, 10 not reached" in text


async def test_who_sends_what_a_script_queues(store, clock):
    """`linkdesk invite` said no service was running while the app was open and sending."""
    assert await store.pipeline.deliverer() is None
    await store.pipeline.register(APP)  # an app that does not deliver (a service does)
    assert await store.pipeline.deliverer() is None
    app = await store.pipeline.register(APP, runs_pipeline=True)
    assert (await store.pipeline.deliverer()).id == app
    service = await store.pipeline.register(SERVICE, runs_pipeline=True)
    assert (await store.pipeline.deliverer()).id == service  # the service first
    await store.pipeline.stop(service)
    assert (await store.pipeline.deliverer()).id == app
