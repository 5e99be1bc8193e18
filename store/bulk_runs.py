"""Bulk invitations as they go, in the database: one cut short (a crash, a kill, a database
that stopped answering) is shown to every preparer with how many were queued and how many not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import JOIN

from store.models import BulkRun, PipelineProcess, Preparer
from store.pipeline import STALE

if TYPE_CHECKING:
    from store.store import Store

SHOWN_FOR = dt.timedelta(days=7)  # a run cut short is shown this long, or until the next run
QUIET = dt.timedelta(minutes=2)  # a run with no process that has not moved for this long


@dataclass(frozen=True)
class CutShort:
    """A bulk invitation that stopped before the end."""

    id: int
    preparer: str
    tax_year: int
    total: int
    queued: int
    skipped: int
    started_at: dt.datetime

    @property
    def not_reached(self) -> int:
        return self.total - self.queued - self.skipped


class BulkRuns:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def begin(self, firm_id: int, preparer_id: int | None, tax_year: int, total: int,
                    process_id: int | None) -> int:
        now = self.store.clock()
        async with self.store.write():
            # A new run for the firm: the earlier ones cut short have been seen to.
            await self.store.execute(BulkRun.update(state="seen").where(
                (BulkRun.firm == firm_id) & self._stopped_early(now)))
            return await self.store.execute(BulkRun.insert(
                firm=firm_id, preparer_id=preparer_id, tax_year=tax_year, total=total,
                state="running", process_id=process_id, started_at=now, updated_at=now))

    @staticmethod
    def _stopped_early(now: dt.datetime):
        """Interrupted, or still "running" though its process is gone (or, for a script
        that keeps no heartbeat, has not moved for a while)."""
        alive = PipelineProcess.select(PipelineProcess.id).where(
            PipelineProcess.stopped_at.is_null() & (PipelineProcess.beat_at >= now - STALE))
        orphaned = (BulkRun.state == "running") & (
            (BulkRun.process_id.is_null() & (BulkRun.updated_at < now - QUIET))
            | (BulkRun.process_id.is_null(False) & BulkRun.process_id.not_in(alive)))
        return (BulkRun.state == "interrupted") | orphaned

    async def advance(self, run_id: int, queued: int, skipped: int) -> None:
        await self.store.execute(BulkRun.update(
            queued=queued, skipped=skipped, updated_at=self.store.clock())
            .where(BulkRun.id == run_id))

    async def end(self, run_id: int, state: str, queued: int, skipped: int) -> None:
        """"done", "cancelled" (by the preparer) or "interrupted" (a fault stopped it)."""
        await self.store.execute(BulkRun.update(
            state=state, queued=queued, skipped=skipped, updated_at=self.store.clock())
            .where(BulkRun.id == run_id))

    async def cut_short(self, firm_id: int) -> list[CutShort]:
        """Runs of the firm that stopped before the end and were not followed by another:
        interrupted, or still "running" though their process is gone."""
        now = self.store.clock()
        rows = await self.store.list(
            BulkRun.select(BulkRun.id, Preparer.username, BulkRun.tax_year, BulkRun.total,
                           BulkRun.queued, BulkRun.skipped, BulkRun.started_at)
            .join(Preparer, join_type=JOIN.LEFT_OUTER,
                  on=(Preparer.id == BulkRun.preparer_id))
            .where((BulkRun.firm == firm_id) & (BulkRun.started_at >= now - SHOWN_FOR)
                   & self._stopped_early(now))
            .order_by(BulkRun.started_at.desc()).tuples())
        return [CutShort(i, name or "", year, total, queued, skipped, started)
                for i, name, year, total, queued, skipped, started in rows]
