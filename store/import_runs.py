"""Imports in generations: rows are written in short transactions, hidden, then switched on.

A 1,000,000-member directory import used to be one transaction holding SQLite's write lock for
about a minute: every other writer (the acceptance page, the delivery worker, a colleague's
TUI) failed meanwhile. Now an import takes a run number, writes its new rows tagged with it in
short transactions (each a few hundred milliseconds at most), and switches the run on at the
end in one short transaction. Until then the rows are invisible (`live` below), so an import cut
short anywhere leaves the directory as it was; the next import removes what it left. Rows
keep the number of the run that wrote them (rewriting a million rows to clear it would cost
more than the import); `live` is true of them once their run is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peewee import fn

from store.models import Company, ImportRun, MemberChange

if TYPE_CHECKING:
    from store.store import Store

LOADING, LIVE, FAILED, CLEARED = "loading", "live", "failed", "cleared"
CLEAN_CHUNK = 2000


class RunReplacedError(RuntimeError):
    """Another import of the same kind started meanwhile and took this one's place."""


def live(model=Company):
    """The condition that a row of `model` is switched on (not left by an unfinished import)."""
    return model.import_run.is_null() | model.import_run.in_(
        ImportRun.select(ImportRun.id).where(ImportRun.state == LIVE))


class ImportRuns:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def begin(self, kind: str) -> int:
        """A new run; runs of the same kind left unfinished are abandoned and cleared first."""
        now = self.store.clock()
        async with self.store.write():
            await self.store.execute(ImportRun.update(state=FAILED, ended_at=now).where(
                (ImportRun.kind == kind) & (ImportRun.state == LOADING)))
            run = await self.store.execute(ImportRun.insert(kind=kind, state=LOADING,
                                                            started_at=now))
        await self.clear_failed()
        return run

    async def switch_on(self, run: int) -> None:
        """Inside the caller's transaction: the run's rows become the directory."""
        state = await self.store.scalar(ImportRun.select(ImportRun.state)
                                        .where(ImportRun.id == run))
        if state != LOADING:
            raise RunReplacedError(f"import {run} was replaced by a newer one")
        await self.store.execute(ImportRun.update(state=LIVE, ended_at=self.store.clock())
                                 .where(ImportRun.id == run))

    async def abandon(self, run: int) -> None:
        """An import failed midway: its hidden rows go. Never raises: when the database itself
        failed, the next import clears them."""
        try:
            await self.fail(run)
        except Exception:  # noqa: S110 - see above
            pass

    async def fail(self, run: int) -> None:
        async with self.store.write():
            await self.store.execute(ImportRun.update(state=FAILED, ended_at=self.store.clock())
                                     .where((ImportRun.id == run)
                                            & (ImportRun.state == LOADING)))
        await self.clear_failed()

    async def clear_failed(self) -> None:
        """Remove what failed or abandoned runs wrote, a chunk per transaction."""
        failed = ImportRun.select(ImportRun.id).where(ImportRun.state == FAILED)
        if not await self.store.scalar(ImportRun.select(fn.COUNT(ImportRun.id)).where(
                (ImportRun.state == FAILED) & (ImportRun.kind == "members"))):
            return  # the usual case: nothing to look for among the members
        network = self.store.network
        while True:
            async with self.store.write():
                rows = await self.store.list(
                    Company.select(Company.id).where(Company.import_run.in_(failed))
                    .limit(CLEAN_CHUNK).tuples())
                ids = [i for (i,) in rows]
                if ids:
                    await network._unindex(ids)
                    await self.store.execute(Company.delete().where(Company.id.in_(ids)))
                else:
                    await self.store.execute(MemberChange.delete().where(
                        MemberChange.import_run.in_(failed)))
                    await self.store.execute(ImportRun.update(state=CLEARED).where(
                        (ImportRun.state == FAILED) & (ImportRun.kind == "members")))
            if not ids:
                return

    async def hidden_rows(self, kind: str) -> bool:
        """Whether rows of a run not switched on may exist (one is loading, or failed and not
        cleared yet): searches then filter them out early instead of only at the end."""
        return await self.store.scalar(ImportRun.select(ImportRun.id).where(
            (ImportRun.kind == kind) & ImportRun.state.in_((LOADING, FAILED))).limit(1)) is not None
