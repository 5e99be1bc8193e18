"""Who runs the pipeline: each process beats a heartbeat in the database, so that one service
serves every terminal, and a dead process's claims are taken over as soon as its beat stops."""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from store.models import HookEvent, Outbox, PipelineProcess

if TYPE_CHECKING:
    from store.store import Store

BEAT_S = 2.0  # how often a living process says so; STALE is a few of these
# A process that has not beaten its heart for this long is gone: what it claimed is taken over.
STALE = dt.timedelta(seconds=7)
FORGET_AFTER = dt.timedelta(days=7)  # rows of processes gone this long are deleted
SERVICE = "service"
APP = "app"


@dataclass(frozen=True)
class ProcessInfo:
    """A living process as the others see it."""

    id: int
    role: str
    host: str
    pid: int
    serves_page: bool
    runs_pipeline: bool
    beat_at: dt.datetime


@dataclass(frozen=True)
class RelayState:
    """The last thing the relay said to any process: fine, or the problem in its words."""

    ok: bool | None = None
    said: str = ""
    at: dt.datetime | None = None
    kind: str | None = None
    """The kind of problem (linkdesk.mail.errors), which says what to change."""

    @property
    def paused(self) -> bool:
        """Delivery waits for the relay: every message stays queued."""
        return self.ok is False


@dataclass(frozen=True)
class PipelineHealth:
    """What `linkdesk status` and /healthz show of the pipeline."""

    waiting: int  # messages queued or being sent
    oldest_waiting_at: dt.datetime | None
    service: ProcessInfo | None
    relay: RelayState

    def oldest_age_s(self, now: dt.datetime) -> float | None:
        if self.oldest_waiting_at is None:
            return None
        return max(0.0, (now - self.oldest_waiting_at).total_seconds())


class Pipeline:
    """The heartbeat table and what it tells."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def register(self, role: str, *, runs_pipeline: bool = False,
                       serves_page: bool = False) -> int:
        """A new living process; returns its id (the `by` of the messages it claims)."""
        now = self.store.clock()
        async with self.store.write():
            await self.store.execute(PipelineProcess.delete().where(
                PipelineProcess.beat_at < now - FORGET_AFTER))
            return await self.store.execute(PipelineProcess.insert(
                role=role, host=socket.gethostname(), pid=os.getpid(), serves_page=serves_page,
                runs_pipeline=runs_pipeline, started_at=now, beat_at=now))

    async def beat(self, process_id: int, *, runs_pipeline: bool, serves_page: bool) -> None:
        """Still alive, and what this process runs now."""
        await self.store.execute(PipelineProcess.update(
            beat_at=self.store.clock(), runs_pipeline=runs_pipeline, serves_page=serves_page,
            stopped_at=None).where(PipelineProcess.id == process_id))

    async def relay_said(self, process_id: int, ok: bool, said: str,
                         kind: str | None = None) -> None:
        """Keep the relay's last answer (a problem and its kind, or that it is fine again)."""
        await self.store.execute(PipelineProcess.update(
            relay_ok=ok, relay_said=said[:500], relay_at=self.store.clock(),
            relay_kind=kind).where(PipelineProcess.id == process_id))

    async def stop(self, process_id: int) -> None:
        """Gone on purpose: what it still held is anyone's at once."""
        now = self.store.clock()
        async with self.store.write():
            await self.store.execute(PipelineProcess.update(stopped_at=now, runs_pipeline=False,
                                                            serves_page=False)
                                     .where(PipelineProcess.id == process_id))
            await self.store.execute(Outbox.update(state="queued", claimed_until=None,
                                                   claimed_by=None)
                                     .where((Outbox.state == "sending")
                                            & (Outbox.claimed_by == process_id)))
            await self.store.execute(HookEvent.update(state="queued", claimed_until=None,
                                                      claimed_by=None)
                                     .where((HookEvent.state == "sending")
                                            & (HookEvent.claimed_by == process_id)))

    async def alive(self) -> list[ProcessInfo]:
        """Every process whose heartbeat is recent, newest first."""
        now = self.store.clock()
        rows = await self.store.list(
            PipelineProcess.select(PipelineProcess.id, PipelineProcess.role,
                                   PipelineProcess.host, PipelineProcess.pid,
                                   PipelineProcess.serves_page, PipelineProcess.runs_pipeline,
                                   PipelineProcess.beat_at)
            .where(PipelineProcess.stopped_at.is_null() & (PipelineProcess.beat_at >= now - STALE))
            .order_by(PipelineProcess.id.desc()).tuples())
        return [ProcessInfo(i, role, host, pid, bool(page), bool(runs), beat)
                for i, role, host, pid, page, runs, beat in rows]

    async def service(self, besides: int | None = None) -> ProcessInfo | None:
        """A living service other than `besides`, if any (the newest)."""
        for process in await self.alive():
            if process.role == SERVICE and process.id != besides:
                return process
        return None

    async def deliverer(self) -> ProcessInfo | None:
        """A living process that delivers the outbox (the service, else an app running the
        pipeline), if any: who sends what a script queues."""
        running = [p for p in await self.alive() if p.runs_pipeline]
        return next((p for p in running if p.role == SERVICE), running[0] if running else None)

    async def relay(self) -> RelayState:
        """The relay's most recent answer to any process."""
        rows = await self.store.list(
            PipelineProcess.select(PipelineProcess.relay_ok, PipelineProcess.relay_said,
                                   PipelineProcess.relay_at, PipelineProcess.relay_kind)
            .where(PipelineProcess.relay_at.is_null(False))
            .order_by(PipelineProcess.relay_at.desc()).limit(1).tuples())
        if not rows:
            return RelayState()
        ok, said, at, kind = rows[0]
        return RelayState(bool(ok), said or "", at, kind)

    async def health(self) -> PipelineHealth:
        """Messages waiting, the oldest of them, the service if one runs, the relay's word."""
        waiting = Outbox.state.in_(("queued", "sending"))
        count, oldest = (await self.store.list(
            Outbox.select(fn.COUNT(Outbox.id), fn.MIN(Outbox.created_at).python_value(
                Outbox.created_at.python_value)).where(waiting).tuples()))[0]
        return PipelineHealth(count or 0, oldest, await self.service(), await self.relay())
