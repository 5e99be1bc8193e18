"""Noticing that another connection or process changed the pipeline, cheaply.

SQLite: PRAGMA data_version on one connection changes whenever another connection commits;
reading it is a few microseconds, so it is checked twenty times a second; then the change
clock (moved by triggers on what the screens show) says whether it matters: heartbeats and
claims commit every few seconds and must not redraw every list. PostgreSQL: a trigger
sends NOTIFY linkdesk_changes (with no data) and a dedicated connection LISTENs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger("linkdesk.changes")
POLL_S = 0.05  # a few microseconds a check; an acceptance shows within a frame or three


class ChangeWatcher:
    """Calls `on_change()` soon after the database changes, from whichever writer."""

    def __init__(self, store, on_change: Callable[[], None]) -> None:
        self.store = store
        self.on_change = on_change
        self._task: asyncio.Task | None = None
        self._pg = None
        self._sqlite = None

    async def start(self) -> ChangeWatcher:
        if self.store.target.is_sqlite:
            import aiosqlite

            # Its own connection, outside the pool: data_version is per connection.
            self._sqlite = await aiosqlite.connect(self.store.target.location)
            self._task = asyncio.create_task(self._poll_sqlite(), name="linkdesk-changes")
        else:
            import asyncpg

            self._pg = await asyncpg.connect(self.store.target.location, timeout=5)
            await self._pg.add_listener("linkdesk_changes", self._notified)
        return self

    def _notified(self, *_args) -> None:
        self.on_change()

    async def _poll_sqlite(self) -> None:
        last = last_version = None
        while True:
            try:
                async with self._sqlite.execute("PRAGMA data_version") as cursor:
                    version = (await cursor.fetchone())[0]
                if version != last_version:
                    # Something was committed; was it something a screen shows?
                    async with self._sqlite.execute(
                            "SELECT n FROM change_clock WHERE id = 1") as cursor:
                        clock = (await cursor.fetchone())[0]
                    if last is not None and clock != last:
                        self.on_change()
                    last, last_version = clock, version
            except Exception:  # a locked or busy moment: look again next time
                log.debug("data_version check failed", exc_info=True)
            await asyncio.sleep(POLL_S)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pg is not None:
            await self._pg.close()
        if self._sqlite is not None:
            await self._sqlite.close()
