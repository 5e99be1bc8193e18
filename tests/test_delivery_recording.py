"""Each answer of the relay is in the store as soon as it comes, not when its batch ends; and a
sent message's link is then gone from SQLite's files (issue 25, items 6 and 7)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP as SMTPProtocol

from linkdesk.mail.delivery import DeliveryWorker
from linkdesk.mail.outgoing import invitation_builder
from linkdesk.mail.relay import RelayConfig
from linkdesk.mail.sender import SmtpPool
from store.invitations import InviteRequest
from store.models import Outbox
from tests.helpers import add_client, make_preparer

YEAR = 2025
LINKS = "https://portal.example.ca"


class HoldingRelay:
    """aiosmtpd that answers at once, except for `held`: that one waits for `release`."""

    def __init__(self, held: str) -> None:
        self.held = held
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self.answered: list[str] = []
        self._server = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.held in envelope.rcpt_tos:
            self.holding.set()
            await self.release.wait()
        self.answered += envelope.rcpt_tos
        return "250 2.0.0 OK"

    async def __aenter__(self) -> HoldingRelay:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTPProtocol(self, loop=loop), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc) -> None:
        self.release.set()
        self._server.close()


async def _queue(store, n: int) -> list[str]:
    """n invitations queued, each with the real message; returns their links."""
    firm = await make_preparer(store)
    links: list[str] = []
    requests = []
    for i in range(n):
        client_id = await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                                     email=f"c{i}@example.com")
        build = invitation_builder(firm_name="Cabinet", sender_address="p@cabinet.ca",
                                   recipient_name=f"Org {i}", recipient_address=f"c{i}@example.com",
                                   subject="Invitation", body="Bonjour", language="fr")

        def keep_link(link: str, build=build):
            links.append(link)
            return build(link)

        requests.append(InviteRequest(client_id, YEAR, f"c{i}@example.com", "fr", keep_link))
    outcome = await store.invitations.invite_many(requests, firm.id, LINKS)
    assert len(outcome.invited) == n
    return links


async def _states(store) -> dict[str, str]:
    rows = await store.list(Outbox.select(Outbox.envelope_to, Outbox.state).tuples())
    return dict(rows)


async def until(condition, timeout: float = 30.0) -> None:
    """Wait for `condition()`; the timeout only ends a hung test, it measures nothing."""
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.01)


async def test_answers_are_recorded_while_their_batch_is_still_on_the_wire(store):
    """Five messages claimed in one batch over two connections; the relay holds the last. The
    four it answered are in the store, sent, before it answers the fifth: a kill -9 now would
    send the fifth again, not all five (the batch was recorded only once whole)."""
    await _queue(store, 5)
    async with HoldingRelay(held="c4@example.com") as relay:
        worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", relay.port, "plain"),
                                                2))
        assert worker.batch >= 5  # one batch holds them all
        batch = asyncio.create_task(worker.run_once())
        await relay.holding.wait()

        async def four_recorded() -> bool:
            states = await _states(store)
            await store.release()
            return sum(state == "sent" for state in states.values()) == 4

        await until(four_recorded)
        assert not batch.done()  # the batch is still in flight
        assert (await _states(store))["c4@example.com"] == "sending"
        relay.release.set()
        assert await batch is True
        await worker.sender.close()
    assert set((await _states(store)).values()) == {"sent"}
    assert sorted(relay.answered) == sorted(f"c{i}@example.com" for i in range(5))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_recorded_message_leaves_no_link_in_the_database_files(store, db_url):
    """The service kept a sent message's link readable in the WAL and the main file until the
    queue ran dry and 30 s had passed. Now it is gone once the message is recorded."""
    links = await _queue(store, 2)
    tokens = [link.rsplit("/", 1)[1].encode() for link in links]
    files = [Path(db_url), Path(f"{db_url}-wal")]

    def found() -> set[bytes]:
        data = b"".join(p.read_bytes() for p in files if p.exists())
        return {t for t in tokens if t in data}

    assert found() == set(tokens)  # queued: the messages, links and all, are in the files
    async with HoldingRelay(held="nobody@example.com") as relay:
        worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", relay.port, "plain"),
                                                2))
        assert await worker.run_once() is True
        await worker.sender.close()
    assert set((await _states(store)).values()) == {"sent"}
    assert found() == set()


class CountingRelay(HoldingRelay):
    """aiosmtpd that answers at once and, as each message arrives, counts the messages it has
    that the store does not call sent: each of them would be sent again after a kill -9."""

    def __init__(self, store) -> None:
        super().__init__(held="nobody@example.com")
        self.store = store
        self.received: list[str] = []
        self.unrecorded: list[int] = []  # that count, at each message's arrival

    async def handle_DATA(self, server, session, envelope):
        self.received += envelope.rcpt_tos
        states = await _states(self.store)
        await self.store.release()
        self.unrecorded.append(sum(states[to] != "sent" for to in set(self.received)))
        return await super().handle_DATA(server, session, envelope)


async def test_a_connection_sends_nothing_more_before_its_last_answer_is_recorded(store):
    """Twenty messages over two connections to a relay that answers at once. When each arrives,
    the relay has at most two the store does not call sent (one per connection): a kill -9
    then sends again at most the connection count. Answers recorded within 50 ms, but sent
    past meanwhile, left 10 to 20 a kill with eight connections."""
    await _queue(store, 20)
    async with CountingRelay(store) as relay:
        worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", relay.port, "plain"),
                                                2))
        while await worker.run_once():
            pass
        await worker.sender.close()
    assert set((await _states(store)).values()) == {"sent"}
    assert sorted(relay.received) == sorted(f"c{i}@example.com" for i in range(20))
    assert len(relay.unrecorded) == 20 and max(relay.unrecorded) <= 2, relay.unrecorded


class EnvelopeRelay(HoldingRelay):
    """aiosmtpd that answers at once and notes each recipient as its RCPT comes."""

    def __init__(self) -> None:
        super().__init__(held="nobody@example.com")
        self.rcpts: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_next_message_goes_but_for_its_end_while_the_last_is_recorded(store, db_url):
    """One connection, two messages, and another program holding the write lock once the
    first is answered. The second goes meanwhile (envelope, DATA, text: most of its round
    trips overlap the record), but not its last line, without which the relay keeps nothing:
    it ends only once the first is in the store. A connection that waited for the record
    before sending anything spent most of its time waiting (twice the CPU a message, a third
    of the bulk throughput, on a loaded machine)."""
    import sqlite3

    await _queue(store, 2)
    await store.release()
    blocker = sqlite3.connect(db_url, isolation_level=None)
    async with EnvelopeRelay() as relay:
        original = relay.handle_DATA

        async def lock_after_first(server, session, envelope):
            if not relay.answered:  # the first message: the lock is held before it is answered
                blocker.execute("BEGIN IMMEDIATE")
            return await original(server, session, envelope)

        relay.handle_DATA = lock_after_first
        worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", relay.port, "plain"),
                                                1))
        batch = asyncio.create_task(worker.run_once())

        async def second_under_way() -> bool:
            return len(relay.rcpts) == 2

        await until(second_under_way)
        assert len(relay.answered) == 1  # the second's end waits for the first's record
        first = relay.answered[0]
        assert (await _states(store))[first] == "sending"
        await store.release()
        blocker.execute("ROLLBACK")
        assert await batch is True
        await worker.sender.close()
    blocker.close()
    assert set((await _states(store)).values()) == {"sent"}
    assert len(relay.answered) == 2
