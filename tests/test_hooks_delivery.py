"""Webhooks delivered to a real aiohttp receiver, on both backends: each signed so that the
receiver's check passes (and fails for another secret or body), tried again with the same id
and body after a 500 and after a port where nothing listens."""

from __future__ import annotations

import json
import socket

from linkdesk.hooks.sender import HookSender
from linkdesk.hooks.signing import verify
from linkdesk.hooks.worker import HookWorker
from tests.hook_receiver import Receiver

SECRET = "whsec_9f2c1d"


async def queue(store, n: int = 1) -> list[str]:
    async with store.write():
        return await store.hooks.queue("invitation.accepted",
                                       [{"tax_year": 2025, "n": i} for i in range(n)])


async def test_each_event_is_signed_and_the_receivers_check_passes(store):
    ids = await queue(store, 3)
    async with Receiver() as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await worker.run_once()
            assert not await worker.run_once()  # nothing more due
        finally:
            await worker.stop()
    assert sorted(receiver.ids()) == sorted(ids)
    for got in receiver.got:
        signed = got.headers["Linkdesk-Signature"]
        assert verify(SECRET, signed, got.body)
        assert not verify("another secret", signed, got.body)
        assert not verify(SECRET, signed, got.body.replace(b"2025", b"2024"))
        assert got.headers["Linkdesk-Event-Id"] == got.event["id"]
        assert got.headers["Linkdesk-Event-Type"] == got.event["type"] == "invitation.accepted"
        assert got.headers["Content-Type"] == "application/json"
        assert SECRET not in json.dumps(got.headers) and SECRET.encode() not in got.body
    health = await store.hooks.health()
    assert (health.waiting, health.last_status, health.last_error) == (0, 200, None)


async def test_a_500_is_tried_again_later_with_the_same_id_and_body(store, clock):
    (event_id,) = await queue(store)
    async with Receiver([500]) as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await worker.run_once()
            health = await store.hooks.health()
            assert (health.waiting, health.last_status) == (1, 500)
            assert not await worker.run_once()  # not due for 5 s
            clock.advance(seconds=5)
            assert await worker.run_once()
        finally:
            await worker.stop()
    first, second = receiver.got
    assert first.body == second.body and receiver.ids() == [event_id, event_id]
    assert verify(SECRET, second.headers["Linkdesk-Signature"], second.body)
    health = await store.hooks.health()
    assert (health.waiting, health.last_status) == (0, 200)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_dead_port_is_tried_again_until_the_receiver_is_back(store, clock):
    (event_id,) = await queue(store)
    port = free_port()
    worker = HookWorker(store, HookSender(f"http://127.0.0.1:{port}/hooks", SECRET))
    try:
        assert await worker.run_once()
        health = await store.hooks.health()
        assert health.waiting == 1 and health.last_status is None
        assert health.last_error == "cannot connect: connection refused"
        clock.advance(seconds=5)
        assert await worker.run_once()  # still nobody: 10 s now
        clock.advance(seconds=9)
        async with Receiver(port=port) as receiver:
            assert not await worker.run_once()
            clock.advance(seconds=1)
            assert await worker.run_once()
    finally:
        await worker.stop()
    assert receiver.ids() == [event_id]
    assert (await store.hooks.health()).waiting == 0


async def run_until_settled(worker, clock, rounds: int = 20) -> int:
    """Run the worker, moving the clock to each next try, until nothing is due; the tries."""
    tries = 0
    for _ in range(rounds):
        if await worker.run_once():
            tries += 1
            continue
        due = await worker.store.hooks.next_due()
        if due is None:
            return tries
        clock.now = max(clock.now, due)
    return tries


async def test_a_refusal_fails_the_event_after_a_few_tries_and_status_says_so(store, clock):
    """A 4xx (other than 408 and 429) is the receiver refusing the event: tried a few times
    (a receiver being fixed or deployed gets its chance), then failed with its answer, as
    Stripe and GitHub do; the queue goes on with the other events."""
    from linkdesk.hooks.status import hook_lines, hooks_json
    from store.hooks import REFUSALS

    (refused,) = await queue(store)
    async with Receiver([404] * 50) as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await run_until_settled(worker, clock) == REFUSALS
        finally:
            await worker.stop()
    assert receiver.ids() == [refused] * REFUSALS
    health = await store.hooks.health()
    assert (health.waiting, health.failed, health.last_status) == (0, 1, 404)
    assert hooks_json(health, clock.now)["failed"] == 1
    lines = hook_lines(health, clock.now)
    assert any(line.startswith("The receiver's last answer: HTTP 404") and "refuses" in line
               for line in lines), lines
    assert any(line.startswith("1 webhook failed") and "linkdesk hooks retry" in line
               for line in lines), lines
    # Queued again by hand (`linkdesk hooks retry`): its tries counted afresh, and delivered.
    assert await store.hooks.retry_failed() == 1
    async with Receiver() as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await run_until_settled(worker, clock) == 1
        finally:
            await worker.stop()
    assert receiver.ids() == [refused]
    health = await store.hooks.health()
    assert (health.waiting, health.failed, health.last_status) == (0, 0, 200)


async def test_408_429_and_5xx_are_tried_again_for_as_long_as_it_takes(store, clock):
    (event_id,) = await queue(store)
    answers = [429, 408, 503, 500] * 4
    async with Receiver(list(answers)) as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await run_until_settled(worker, clock, rounds=40) == len(answers) + 1
        finally:
            await worker.stop()
    assert receiver.ids() == [event_id] * (len(answers) + 1)
    health = await store.hooks.health()
    assert (health.waiting, health.failed, health.last_status) == (0, 0, 200)


async def test_a_5xx_between_refusals_starts_their_count_again(store, clock):
    """Only refusals in a row fail an event: a receiver that answers 503 in between is one
    that is changing, not one that says no."""
    from store.hooks import REFUSALS

    (event_id,) = await queue(store)
    answers = [403] * (REFUSALS - 1) + [503] + [403] * REFUSALS
    async with Receiver(list(answers)) as receiver:
        worker = HookWorker(store, HookSender(receiver.url, SECRET))
        try:
            assert await run_until_settled(worker, clock, rounds=40) == len(answers)
        finally:
            await worker.stop()
    assert receiver.ids() == [event_id] * len(answers)
    health = await store.hooks.health()
    assert (health.waiting, health.failed, health.last_status) == (0, 1, 403)
