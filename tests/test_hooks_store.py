"""Webhook events in the store, on both backends: written in the transaction of the change they
tell (accepted, failed, bounced, a bill approved, rejected or paid), never with a token,
claimed at least once, tried again with backoff, taken over from a dead process."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from store.bounces import Report
from store.hooks import HookAnswer
from store.invitations import DeliveryResult, Envelope
from store.models import HookEvent, OutboxTag
from tests.helpers import add_client, make_preparer

YEAR = 2025
LINK_BASE = "https://portail.tremblay.ca"


class Builder:
    numbers = itertools.count(1)

    def __init__(self):
        self.links = []

    def __call__(self, link: str) -> Envelope:
        self.links.append(link)
        return Envelope(f"<h{next(self.numbers)}@tremblay.ca>", "portail@tremblay.ca",
                        "emilie@example.com", f"Subject: x\r\n\r\n{link}\r\n".encode())

    @property
    def token(self) -> str:
        return self.links[-1].rsplit("/", 1)[1]


@pytest.fixture
async def invited(store):
    """Émilie Gagnon, invited for 2025: (preparer, client id, the message builder)."""
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    builder = Builder()
    await store.invitations.invite(client_id, YEAR, firm.id, LINK_BASE, "emilie@example.com",
                                   "fr", builder)
    return firm, client_id, builder


async def events(store) -> list[dict]:
    rows = await store.list(HookEvent.select(HookEvent.event_id, HookEvent.kind, HookEvent.body)
                            .order_by(HookEvent.id).tuples())
    out = []
    for event_id, kind, body in rows:
        parsed = json.loads(body)
        assert (parsed["id"], parsed["type"]) == (event_id, kind)
        out.append(parsed)
    return out


async def test_accepting_queues_one_event_with_the_client_and_no_token(store, invited):
    _firm, client_id, builder = invited
    assert await events(store) == []
    await store.invitations.accept(builder.token)
    (event,) = await events(store)
    assert event["type"] == "invitation.accepted"
    assert event["id"].startswith("evt_")
    assert dt.datetime.fromisoformat(event["created"]).utcoffset() == dt.timedelta(0)
    assert event["data"] == {"client": {"id": client_id, "kind": "individual",
                                        "name": "Émilie Gagnon", "email": "emilie@example.com",
                                        "language": "fr"}, "tax_year": YEAR}
    body = (await store.list(HookEvent.select(HookEvent.body).tuples()))[0][0]
    assert builder.token not in body and "/i/" not in body
    await store.invitations.accept(builder.token)  # the link again: nothing new happened
    assert len(await events(store)) == 1


async def test_an_event_is_written_with_its_change_or_not_at_all(store, invited):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with store.write():
            await store.hooks.queue("invitation.accepted", [{"client": None}])
            raise Boom
    assert await events(store) == []


async def test_a_refusal_and_a_bounce_queue_invitation_failed(store, invited):
    firm, client_id, _builder = invited
    job = await store.invitations.claim()
    await store.invitations.record([DeliveryResult(job, error="550 5.1.1 no such user",
                                                   permanent=True)])
    (refused,) = await events(store)
    assert refused["type"] == "invitation.failed"
    assert refused["data"]["cause"] == "refused"
    assert refused["data"]["reason"] == "550 5.1.1 no such user"
    assert refused["data"]["client"]["id"] == client_id
    # Invited again, accepted by the relay, then bounced by the client's server.
    builder = Builder()
    await store.invitations.invite(client_id, YEAR, firm.id, LINK_BASE, "emilie@example.com",
                                   "fr", builder)
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    tag = await store.scalar(OutboxTag.select(OutboxTag.return_tag)
                             .where(OutboxTag.outbox == job.outbox_id))
    await store.bounces.record([Report(tag, "failed", "5.2.2", "552 mailbox full")])
    await store.bounces.record([Report(tag, "failed", "5.2.2", "552 mailbox full")])  # again
    kinds = [(e["type"], e["data"].get("cause")) for e in await events(store)]
    assert kinds == [("invitation.failed", "refused"), ("invitation.failed", "bounced")]


async def test_bill_decisions_are_told_and_a_duplicate_is_not(store):
    from store.validate import Details
    from tests.test_store_payables import TODAY, _document, draft, mailer, members

    firm = await make_preparer(store)
    a, b = await members(store, ("Plomberie Gagnon", "CA", True, "Plus"),
                         ("Toiture Fortin", "CA", True, "Essentials"))
    customer = await store.network.add_contact(
        a, "customer", Details("Toiture Fortin", "b@example.com", "", "", "", ""), member_id=b)
    for number in ("INV-1", "INV-2"):
        invoice = await store.invoices.save(a, draft(customer, number), firm.id)
        await store.invoices.send(invoice, firm.id, mailer([]))
    second, first = await store.bills.list(b)
    categories = [c for c, *_ in await store.bills.categories(b)]
    await store.bills.approve(first.id, categories=categories[:2], pay_on=TODAY,
                              preparer_id=firm.id, create_vendor=True)
    await store.bills.mark_paid(first.id, paid_on=TODAY, method="transfer", preparer_id=firm.id)
    await store.bills.reject(second.id, "Mauvais prix", firm.id)
    told = await events(store)
    assert [e["type"] for e in told] == ["bill.approved", "bill.paid", "bill.rejected"]
    approved, paid, rejected = (e["data"] for e in told)
    assert approved["company"] == {"id": b, "name": "Toiture Fortin", "kind": "member"}
    assert approved["bill"] == {"id": first.id, "number": "INV-1", "kind": "invoice",
                                "seller": "Plomberie Gagnon", "currency": "CAD",
                                "total": "516.89", "status": "scheduled",
                                "pay_on": TODAY.isoformat()}
    assert (paid["bill"]["paid_on"], paid["bill"]["method"]) == (TODAY.isoformat(), "transfer")
    assert (rejected["bill"]["number"], rejected["bill"]["reason"]) == ("INV-2", "Mauvais prix")
    # An imported bill, then a new version of it set aside as its duplicate: nobody is told.
    imported = await store.bills.import_document(b, _document(), "a.xml")
    version = await store.bills.import_document(b, _document(total="114.99"), "b.xml")
    await store.bills.mark_duplicate(version.bill_id, None, of=imported.bill_id)
    assert len(await events(store)) == 3


async def test_a_failed_answer_is_tried_again_with_backoff_and_the_same_id(store, clock):
    async with store.write():
        (event_id,) = await store.hooks.queue("invitation.accepted", [{"tax_year": YEAR}])
    (job,) = await store.hooks.claim_many(10)
    assert await store.hooks.claim_many(10) == []  # leased
    await store.hooks.record([HookAnswer(job, status=500)])
    health = await store.hooks.health()
    assert (health.waiting, health.last_status, health.last_error) == (1, 500, "HTTP 500")
    assert await store.hooks.claim_many(10) == []
    clock.advance(seconds=5)
    (again,) = await store.hooks.claim_many(10)
    assert (again.event_id, again.body, again.attempts) == (event_id, job.body, 2)
    await store.hooks.record([HookAnswer(again, error="cannot connect: connection refused")])
    clock.advance(seconds=9)
    assert await store.hooks.claim_many(10) == []  # 10 s after the second failure
    clock.advance(seconds=1)
    (third,) = await store.hooks.claim_many(10)
    await store.hooks.record([HookAnswer(third, status=204)])
    health = await store.hooks.health()
    assert (health.waiting, health.last_status, health.last_error) == (0, 204, None)
    assert await store.hooks.next_due() is None
    clock.advance(days=8)
    assert await store.hooks.forget_sent() == 1


async def test_claims_of_a_dead_process_are_taken_over(store, clock):
    async with store.write():
        await store.hooks.queue("bill.paid", [{"n": n} for n in range(3)])
    dead = await store.pipeline.register("service", runs_pipeline=True)
    claimed = await store.hooks.claim_many(2, by=dead)
    assert len(claimed) == 2
    other = await store.pipeline.register("service", runs_pipeline=True)
    mine = await store.hooks.claim_many(10, by=other)
    assert len(mine) == 1  # the dead one's are leased
    clock.advance(seconds=8)  # the dead one's heartbeat is stale; the other's beats
    await store.pipeline.beat(other, runs_pipeline=True, serves_page=False)
    taken = await store.hooks.claim_many(10, by=other)
    assert {j.event_id for j in taken} == {j.event_id for j in claimed}
    # A process that stops on purpose hands its claims back at once.
    await store.hooks.record([HookAnswer(j, status=500) for j in taken])
    clock.advance(seconds=10)
    await store.pipeline.beat(other, runs_pipeline=True, serves_page=False)
    held = await store.hooks.claim_many(10, by=other)
    await store.pipeline.stop(other)
    third = await store.pipeline.register("service", runs_pipeline=True)
    assert {j.event_id for j in await store.hooks.claim_many(10, by=third)} == \
        {j.event_id for j in held + mine}


async def test_events_queued_before_version_18_are_kept_and_may_fail(db_url, clock, monkeypatch):
    """Version 18 rebuilds hook_event on SQLite (a CHECK cannot change there): an event
    waiting in a version 17 database is still there after, and may now be failed."""
    from store import Store, migrations

    monkeypatch.setattr(migrations, "LATEST", 17)
    old = await Store.open(db_url, clock=clock)
    try:
        mark = "?" if old.target.is_sqlite else "%s"
        await old.db.aexecute_sql(
            "INSERT INTO hook_event (event_id, kind, body, state, next_attempt_at, created_at) "
            f"VALUES ('evt_1', 'bill.paid', '{{}}', 'queued', {mark}, {mark})",
            (clock(), clock()))
    finally:
        await old.close()
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    store = await Store.open(db_url, clock=clock)
    try:
        from store.hooks import REFUSALS

        for _ in range(REFUSALS):
            (job,) = await store.hooks.claim_many(10)
            assert job.event_id == "evt_1"
            await store.hooks.record([HookAnswer(job, status=410)])
            clock.now = await store.hooks.next_due() or clock.now
        assert (await store.hooks.health()).failed == 1
        if store.target.is_sqlite:  # an insert still moves the clock that wakes the service
            before = (await store.db.aexecute_sql("SELECT n FROM change_clock")).fetchone()
        async with store.write():
            await store.hooks.queue("bill.paid", [{"n": 2}])
        assert (await store.hooks.health()).waiting == 1
        if store.target.is_sqlite:
            after = (await store.db.aexecute_sql("SELECT n FROM change_clock")).fetchone()
            assert after[0] == before[0] + 1
    finally:
        await store.close()


def test_which_answers_are_refusals():
    """As Stripe and GitHub read them: a redirect (not followed) or a 4xx is the receiver saying
    no, except 408, 425 and 429, which ask for later; a 5xx or no answer is a receiver down."""
    from store.hooks import refused

    assert [s for s in (200, 204, 301, 302, 400, 401, 403, 404, 408, 410, 422, 425, 429, 500,
                        502, 503, None) if refused(s)] == [301, 302, 400, 401, 403, 404, 410,
                                                           422]
