"""How an outbox hands out work, for the mail outbox and the webhooks alike: rows due now, and
rows claimed by a process whose heartbeat stopped or whose lease ran out (at least once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from store.models import PipelineProcess
from store.pipeline import STALE  # a process silent this long is gone: its claims are taken

if TYPE_CHECKING:
    from store.store import Store

Job = TypeVar("Job")


def claimable(model, now: dt.datetime):
    """The condition on `model` (an outbox: state, next_attempt_at, claimed_until,
    claimed_by) of its rows that may be claimed at `now`."""
    gone = PipelineProcess.select(PipelineProcess.id).where(
        PipelineProcess.stopped_at.is_null(False) | (PipelineProcess.beat_at < now - STALE))
    return (((model.state == "queued") & (model.next_attempt_at <= now))
            | ((model.state == "sending")
               & ((model.claimed_until <= now) | model.claimed_by.in_(gone))))


async def claim_due(store: Store, model, limit: int, *, by: int | None,
                    lease: dt.timedelta, read: Callable[[list[int]], Awaitable[list[Job]]],
                    keep: Callable[[list[int]], Awaitable[list[int]]] | None = None,
                    ) -> list[Job]:
    """Claim up to `limit` rows of the outbox `model` that are due (see `claimable`), oldest
    due first, for process `by` (its heartbeat id) until `lease` from now, counting a try;
    `keep` may drop some of them first (in the same transaction); `read` turns the claimed
    ids into jobs, in that transaction too.

    A look without the write lock comes first: a worker woken by every change in the firm
    (thousands a minute while bounces arrive) must not queue behind writers for nothing. The
    time is read again once the lock is held: what was queued while the claim waited is due
    too. On PostgreSQL two workers never take the same row (FOR UPDATE SKIP LOCKED); SQLite
    serialises writers.
    """
    def due_at(now: dt.datetime):
        return (model.select(model.id).where(claimable(model, now))
                .order_by(model.next_attempt_at, model.id).limit(limit))

    if not await store.list(due_at(store.clock()).limit(1).tuples()):
        return []
    async with store.write():
        now = store.clock()
        due = due_at(now)
        if not store.target.is_sqlite:
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        ids = [i for (i,) in await store.list(due.tuples())]
        if ids and keep is not None:
            ids = await keep(ids)
        if not ids:
            return []
        await store.execute(model.update(
            state="sending", claimed_until=now + lease, claimed_by=by,
            attempts=model.attempts + 1).where(model.id.in_(ids)))
        return await read(ids)


def backoff(attempts: int, first: dt.timedelta, most: dt.timedelta) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: first, twice that, ... up to `most`."""
    return min(first * 2 ** max(0, min(attempts, 40) - 1), most)
