"""Invitations and the outbox on both backends: queue, deliver, fail, accept, expire, tokens."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from store import ClientQuery, Store
from store.invitations import Envelope, InviteError, hash_token
from store.models import Invitation, Outbox
from tests.helpers import add_client, make_preparer

YEAR = 2025
LINK_BASE = "http://127.0.0.1:8765"


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


@pytest.fixture
async def client_id(store, firm):
    return await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                            email="emilie@example.com")


class Builder:
    """Builds the envelope to queue; the message is just the link, as bytes."""

    numbers = itertools.count(1)

    def __init__(self):
        self.links = []

    def __call__(self, link: str) -> Envelope:
        self.links.append(link)
        return Envelope(f"<m{next(self.numbers)}@tremblay.ca>", "portail@tremblay.ca",
                        "emilie@example.com", f"Subject: x\r\n\r\n{link}\r\n".encode())

    @property
    def token(self) -> str:
        return self.links[-1].rsplit("/", 1)[1]


async def status_of(store, firm, client_id):
    (row,) = [r for r in await store.clients.page(
        ClientQuery(firm_id=firm.firm_id, tax_year=YEAR, include_inactive=True), 0, 100)
        if r.id == client_id]
    return row.status


async def queue(store, firm, client_id, builder=None):
    builder = builder or Builder()
    await store.invitations.invite(client_id, YEAR, firm.id, LINK_BASE, "emilie@example.com",
                                   "fr", builder)
    return builder


async def test_queue_then_deliver_makes_it_pending_and_wipes_the_message(store, firm, client_id):
    builder = await queue(store, firm, client_id)
    assert builder.links[0].startswith(f"{LINK_BASE}/i/")
    assert len(builder.token) >= 43  # 32 random bytes, base64url
    assert await status_of(store, firm, client_id) == "sending"
    (stored,) = await store.list(Invitation.select(Invitation.token_hash).tuples())
    assert stored[0] == hash_token(builder.token) and builder.token not in stored[0]
    job = await store.invitations.claim()
    assert job.message_id.endswith("@tremblay.ca>") and builder.token.encode() in job.raw
    assert await store.invitations.claim() is None  # leased
    await store.invitations.delivered(job, "250 OK")
    assert await status_of(store, firm, client_id) == "pending"
    (raw,) = await store.list(Outbox.select(Outbox.raw).tuples())
    assert raw[0] is None
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert kinds == ["client_added", "invitation_queued", "invitation_sent"]


async def test_a_pending_client_cannot_be_invited_again(store, firm, client_id):
    await queue(store, firm, client_id)
    with pytest.raises(InviteError) as err:
        await queue(store, firm, client_id)
    assert err.value.code == "not_invitable"


async def test_inactive_client_cannot_be_invited(store, firm, client_id):
    from store.models import Client

    await store.execute(Client.update(active=False).where(Client.id == client_id))
    with pytest.raises(InviteError) as err:
        await queue(store, firm, client_id)
    assert err.value.code == "inactive"
    assert await store.invitations.claim() is None


async def test_a_rolled_back_invitation_queues_nothing(store, firm, client_id):
    def broken(link):
        raise RuntimeError("composing failed")

    with pytest.raises(RuntimeError):
        await store.invitations.invite(client_id, YEAR, firm.id, LINK_BASE, "e@x.ca", "en",
                                       broken)
    assert await store.invitations.claim() is None
    assert await status_of(store, firm, client_id) == "not_invited"


async def test_permanent_failure_then_reinvite(store, firm, client_id):
    first = await queue(store, firm, client_id)
    job = await store.invitations.claim()
    await store.invitations.failed(job, "550 5.1.1 No such mailbox", permanent=True)
    assert await status_of(store, firm, client_id) == "failed"
    assert (await store.invitations.view(first.token)).state == "cancelled"
    second = await queue(store, firm, client_id)
    assert second.token != first.token
    events = await store.clients.events(client_id)
    failed = [d for k, d, _at, _who in events if k == "invitation_failed"]
    assert failed[0]["reason"] == "550 5.1.1 No such mailbox"


async def test_temporary_failure_retries_with_backoff_and_same_message_id(store, firm, client_id,
                                                                           clock):
    await queue(store, firm, client_id)
    job = await store.invitations.claim()
    await store.invitations.failed(job, "451 try later", permanent=False)
    assert await status_of(store, firm, client_id) == "sending"
    assert await store.invitations.claim() is None  # not due yet
    clock.advance(seconds=6)
    again = await store.invitations.claim()
    assert again.message_id == job.message_id and again.attempts == 2
    await store.invitations.failed(again, "connection refused", permanent=False)
    clock.advance(seconds=6)
    assert await store.invitations.claim() is None  # second backoff is 10 s
    clock.advance(seconds=5)
    assert (await store.invitations.claim()).attempts == 3


async def test_an_unreported_claim_is_sent_again_after_its_lease(store, firm, client_id, clock):
    await queue(store, firm, client_id)
    job = await store.invitations.claim()
    clock.advance(minutes=4)
    assert await store.invitations.claim() is None
    clock.advance(minutes=2)
    again = await store.invitations.claim()
    assert again.message_id == job.message_id


async def test_a_claim_that_waited_for_the_lock_takes_what_came_due_meanwhile(
        sqlite_url, clock):
    """SQLite: a claim queues behind this process's other writers (a bulk invitation holds
    the lock for a chunk). Its time is read once it holds the lock, so a message that came
    due while it waited goes in this round, not in an empty round after it."""
    store = await Store.open(sqlite_url, clock=clock)
    try:
        firm = await make_preparer(store)
        first = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com")
        second = await add_client(store, firm.firm_id, first_name="Luc", last_name="Roy",
                                  email="luc@example.com")
        start = clock.now
        await queue(store, firm, first)
        clock.now = start + dt.timedelta(seconds=10)
        await store.invitations.invite(second, YEAR, firm.id, LINK_BASE, "luc@example.com",
                                       "fr", Builder())
        clock.now = start + dt.timedelta(seconds=5)  # only the first is due
        held, release = asyncio.Event(), asyncio.Event()

        async def other_writer():
            async with store.write():
                held.set()
                await release.wait()

        writer = asyncio.create_task(other_writer())
        await held.wait()
        claiming = asyncio.create_task(store.invitations.claim_many(10))
        await asyncio.sleep(0.05)  # it has seen a due message and waits for the lock
        clock.now = start + dt.timedelta(seconds=10)
        release.set()
        await writer
        jobs = await claiming
        clients = [row for (row,) in await store.list(
            Invitation.select(Invitation.client)
            .where(Invitation.id.in_([job.invitation_id for job in jobs])).tuples())]
        assert sorted(clients) == sorted([first, second])
    finally:
        await store.close()


@pytest.mark.parametrize("withdraw", ["cancel", "email", "inactive"])
async def test_a_claim_cut_short_is_never_sent_once_its_invitation_was_withdrawn(
        store, firm, client_id, clock, withdraw):
    await queue(store, firm, client_id)
    assert await store.invitations.claim() is not None  # then the process died
    if withdraw == "cancel":
        await store.invitations.cancel(client_id, YEAR, firm.id)
    elif withdraw == "email":
        await store.invitations.change_email(client_id, "autre@example.com", firm.id)
    else:
        await store.invitations.set_active(client_id, False, firm.id)
    clock.advance(minutes=6)
    assert await store.invitations.claim() is None
    (row,) = await store.list(Outbox.select(Outbox.state, Outbox.raw).tuples())
    assert row == ("failed", None)


async def test_accept_once_and_the_link_is_single_use(store, firm, client_id):
    builder = await queue(store, firm, client_id)
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    view = await store.invitations.view(builder.token)
    assert (view.state, view.client_name, view.firm_name) == (
        "open", "Émilie Gagnon", "Cabinet Tremblay")
    assert await status_of(store, firm, client_id) == "pending"  # a GET changes nothing
    assert (await store.invitations.accept(builder.token)).state == "accepted"
    assert await status_of(store, firm, client_id) == "accepted"
    assert (await store.invitations.accept(builder.token)).state == "used"
    assert (await store.invitations.accept("not-a-token")).state == "unknown"
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert kinds.count("invitation_accepted") == 1


async def test_two_simultaneous_accepts_accept_once(store, firm, client_id):
    builder = await queue(store, firm, client_id)
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    results = await asyncio.gather(store.invitations.accept(builder.token),
                                   store.invitations.accept(builder.token))
    assert sorted(r.state for r in results) == ["accepted", "used"]
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert kinds.count("invitation_accepted") == 1


async def test_accept_many_accepts_each_link_as_accept_does(store, firm, client_id):
    """The demo's history in one transaction: each client as accept() leaves it (accepted,
    active, an Organization with its books, one event), an open link only, once."""
    org = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                           email="info@fortin.ca")
    late = await add_client(store, firm.firm_id, first_name="Luc", last_name="Roy",
                            email="luc@example.com")
    builders = {c: await queue(store, firm, c) for c in (client_id, org, late)}
    for job in await store.invitations.claim_many(10):
        await store.invitations.delivered(job, "250 OK")
    await store.invitations.cancel(late, YEAR, firm.id)
    tokens = [builders[c].token for c in (client_id, org, late)] + ["not-a-token"]
    assert await store.invitations.accept_many(tokens) == 2
    assert await store.invitations.accept_many(tokens) == 0  # each link once
    assert [await status_of(store, firm, c) for c in (client_id, org)] == ["accepted"] * 2
    assert await status_of(store, firm, late) != "accepted"
    assert (await store.invitations.accept(builders[org].token)).state == "used"
    assert await store.network.books_of_client(org) is not None
    assert await store.network.books_of_client(client_id) is None  # a person has no books
    for c in (client_id, org):
        kinds = [e[0] for e in await store.clients.events(c)]
        assert kinds.count("invitation_accepted") == 1


async def test_expiry_one_second_either_side(store, firm, client_id, clock):
    builder = await queue(store, firm, client_id)
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    clock.advance(days=30, seconds=-1)
    assert (await store.invitations.view(builder.token)).state == "open"
    assert await store.invitations.expire() == 0
    clock.advance(seconds=1)
    assert (await store.invitations.view(builder.token)).state == "expired"
    assert (await store.invitations.accept(builder.token)).state == "expired"
    assert await store.invitations.expire() == 1
    assert await status_of(store, firm, client_id) == "expired"
    renewed = await queue(store, firm, client_id)
    assert (await store.invitations.view(builder.token)).state == "cancelled"
    assert (await store.invitations.view(renewed.token)).state == "open"


async def test_workers_never_take_the_same_message(store, firm):
    for i in range(6):
        cid = await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                               email=f"o{i}@x.ca")
        await queue(store, firm, cid)

    async def worker():
        taken = []
        while (job := await store.invitations.claim()) is not None:
            taken.append(job.outbox_id)
        return taken

    first, second = await asyncio.gather(worker(), worker())
    assert sorted(first + second) == sorted(set(first + second))
    assert len(first + second) == 6


async def test_concurrent_invites_of_one_client_leave_one(store, firm, client_id):
    results = await asyncio.gather(queue(store, firm, client_id), queue(store, firm, client_id),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert len(await store.list(Invitation.select().tuples())) == 1


def test_backoff_is_capped():
    from store.invitations import MAX_BACKOFF

    assert MAX_BACKOFF == dt.timedelta(minutes=30)


async def delivered_invitation(store, firm, client_id):
    builder = await queue(store, firm, client_id)
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    return builder


async def test_reinvite_replaces_the_link(store, firm, client_id):
    first = await delivered_invitation(store, firm, client_id)
    second = Builder()
    await store.invitations.invite(client_id, YEAR, firm.id, LINK_BASE, "emilie@example.com",
                                   "fr", second, reinvite=True)
    assert (await store.invitations.view(first.token)).state == "cancelled"
    assert (await store.invitations.view(second.token)).state == "open"
    assert await status_of(store, firm, client_id) == "sending"
    assert [e[0] for e in await store.clients.events(client_id)][-1] == "invitation_resent"


async def test_cancel_makes_the_client_not_invited_and_kills_the_link(store, firm, client_id):
    builder = await delivered_invitation(store, firm, client_id)
    await store.invitations.cancel(client_id, YEAR, firm.id)
    assert await status_of(store, firm, client_id) == "not_invited"
    assert (await store.invitations.accept(builder.token)).state == "cancelled"
    with pytest.raises(InviteError):
        await store.invitations.cancel(client_id, YEAR, firm.id)


async def test_cancel_before_sending_means_it_is_never_sent(store, firm, client_id):
    await queue(store, firm, client_id)
    await store.invitations.cancel(client_id, YEAR, firm.id)
    assert await store.invitations.claim() is None
    (row,) = await store.list(Outbox.select(Outbox.state, Outbox.raw).tuples())
    assert row == ("failed", None)


async def test_inactive_client_loses_its_invitation_and_is_hidden(store, firm, client_id):
    builder = await delivered_invitation(store, firm, client_id)
    await store.invitations.set_active(client_id, False, firm.id)
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    assert await store.clients.count(q) == 0
    assert (await store.invitations.view(builder.token)).state == "cancelled"
    with pytest.raises(InviteError):
        await queue(store, firm, client_id)
    await store.invitations.set_active(client_id, True, firm.id)
    assert await status_of(store, firm, client_id) == "not_invited"
    await queue(store, firm, client_id)
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert "client_deactivated" in kinds and "client_activated" in kinds


async def test_changing_the_email_keeps_history_and_kills_links(store, firm, client_id):
    builder = await delivered_invitation(store, firm, client_id)
    await store.invitations.change_email(client_id, "Emilie.New@Example.com", firm.id)
    assert (await store.invitations.view(builder.token)).state == "cancelled"
    assert await status_of(store, firm, client_id) == "not_invited"
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    (row,) = await store.clients.page(q.with_(search="emilie.new"), 0, 5)
    assert row.email == "Emilie.New@example.com"
    events = await store.clients.events(client_id)
    assert events[0][0] == "client_added" and events[-1][0] == "email_changed"
    assert events[-1][1] == {"from": "emilie@example.com", "to": "Emilie.New@example.com",
                             "withdrawn_years": [2025]}  # the history says the invitation went


async def test_invite_many_queues_each_with_its_own_token_and_says_who_was_left_out(
        store, firm, client_id):
    from store.invitations import InviteRequest

    others = [await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                               email=f"o{i}@x.ca") for i in range(5)]
    await queue(store, firm, client_id)  # already sending: left out
    await store.invitations.set_active(others[0], False, firm.id)  # inactive: left out
    builders = {cid: Builder() for cid in [client_id, *others, 999_999]}
    outcome = await store.invitations.invite_many(
        [InviteRequest(cid, YEAR, "o@x.ca", "fr", builder) for cid, builder in builders.items()],
        firm.id, LINK_BASE)
    assert outcome.refused == {client_id: "not_invitable", others[0]: "inactive",
                               999_999: "unknown_client"}
    assert sorted(outcome.invited) == sorted(others[1:])
    tokens = {builders[cid].token for cid in others[1:]}
    assert len(tokens) == 4
    for cid in others[1:]:
        assert await status_of(store, firm, cid) == "sending"
        assert (await store.invitations.view(builders[cid].token)).state == "open"
        kinds = [e[0] for e in await store.clients.events(cid)]
        assert kinds == ["client_added", "invitation_queued"]
    # One batch claimed and recorded together: accepted, refused for good, deferred.
    jobs = await store.invitations.claim_many(10)
    assert len(jobs) == 5  # the four and the first client's
    from store.invitations import DeliveryResult

    by_client = {}
    for job in jobs:
        (cid,) = [c for (c,) in await store.list(
            Invitation.select(Invitation.client).where(Invitation.id == job.invitation_id)
            .tuples())]
        by_client[cid] = job
    await store.invitations.record([
        DeliveryResult(by_client[others[1]], answer="250 OK"),
        DeliveryResult(by_client[others[2]], answer="250 OK"),
        DeliveryResult(by_client[others[3]], error="550 no such user", permanent=True),
        DeliveryResult(by_client[others[4]], error="451 busy", permanent=False),
    ])
    assert [await status_of(store, firm, cid) for cid in others[1:]] == [
        "pending", "pending", "failed", "sending"]
    kinds = [e[0] for e in await store.clients.events(others[4])]
    assert kinds[-1] == "delivery_deferred"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_files_are_private_and_a_wiped_message_leaves_no_link_behind(
        store, firm, db_url):
    import stat
    from pathlib import Path

    from store.invitations import DeliveryResult, InviteRequest

    ids = [await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                            email=f"o{i}@x.ca") for i in range(400)]
    builders = {cid: Builder() for cid in ids}
    await store.invitations.invite_many(
        [InviteRequest(cid, YEAR, "o@x.ca", "fr", b) for cid, b in builders.items()],
        firm.id, LINK_BASE)
    while jobs := await store.invitations.claim_many(100):
        await store.invitations.record([DeliveryResult(j, answer="250 OK") for j in jobs])
    await store.scrub()
    tokens = [b.token.encode() for b in builders.values()]
    for part in (db_url, f"{db_url}-wal", f"{db_url}-shm"):
        path = Path(part)
        if not path.exists():
            continue
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, part
        data = path.read_bytes()
        assert not [t for t in tokens if t in data], part


def test_a_new_database_is_private_whatever_the_umask(tmp_path):
    import os
    import stat

    from store import Store

    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "linkdesk.db"
        store = asyncio.run(Store.open(str(path)))
        asyncio.run(store.close())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


class LocalSender(Builder):
    """Sends from the built-in default address, which receives no mail."""

    def __call__(self, link: str) -> Envelope:
        envelope = super().__call__(link)
        return Envelope(envelope.message_id, "invitations@linkdesk.localhost",
                        envelope.envelope_to, envelope.raw)


async def test_the_page_never_shows_an_address_that_receives_no_mail(store, firm, client_id):
    builder = await queue(store, firm, client_id, LocalSender())
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    assert (await store.invitations.view(builder.token)).firm_email == ""


async def test_the_page_shows_the_firms_public_email_before_the_sender(store, firm, client_id):
    from store.validate import Details

    builder = await queue(store, firm, client_id)
    await store.invitations.delivered(await store.invitations.claim(), "250 OK")
    assert (await store.invitations.view(builder.token)).firm_email == "portail@tremblay.ca"
    books = await store.network.firm_books(firm.firm_id)
    await store.network.update_profile(books, Details(
        "Cabinet Tremblay", "bonjour@tremblay.ca", "+14185550100"), by=firm.id)
    view = await store.invitations.view(builder.token)
    assert (view.firm_email, view.firm_phone) == ("bonjour@tremblay.ca", "+14185550100")


async def test_a_message_sent_after_its_invitation_was_cancelled_changes_no_status(
        store, firm, client_id):
    """The relay may accept a message whose invitation was cancelled while it was on the wire:
    its record (one trip, none of it read back) wipes the message and tells the history, but
    the client stays "not invited" and the invitation cancelled."""
    builder = await queue(store, firm, client_id)
    job = await store.invitations.claim()
    await store.invitations.cancel(client_id, YEAR, firm.id)
    await store.invitations.delivered(job, "250 OK")
    assert await status_of(store, firm, client_id) == "not_invited"
    assert (await store.invitations.view(builder.token)).state == "cancelled"
    (row,) = await store.list(Outbox.select(Outbox.state, Outbox.raw).tuples())
    assert row == ("sent", None)
    assert [e[0] for e in await store.clients.events(client_id)][-1] == "invitation_sent"
