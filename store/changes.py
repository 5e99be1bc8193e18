"""Noticing that another connection or process changed the pipeline, cheaply.

SQLite: PRAGMA data_version on one connection changes whenever another connection commits;
reading it is a few microseconds, so it is checked twenty times a second; then the change
clock (moved by triggers on what the screens show) says whether it matters: heartbeats and
claims commit every few seconds and must not redraw every list. PostgreSQL: a trigger
sends NOTIFY linkdesk_changes (with no data) and a dedicated connection LISTENs; when that
connection is lost (a restart of PostgreSQL, a terminated backend) it is opened again with
backoff, said once in the log, and a change is announced on its return, since what happened
meanwhile was not heard (a running app stopped showing acceptances until restarted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiosqlite
    import asyncpg

log = logging.getLogger("linkdesk.changes")
POLL_S = 0.05  # a few microseconds a check; an acceptance shows within a frame or three
RECONNECT_WAITS_S = (0.5, 1.0, 2.0, 5.0, 10.0)  # then the last, until it is back


class ChangeWatcher:
    """Calls `on_change()` soon after the database changes, from whichever writer; and
    `on_live(False)` once when it can no longer hear them (PostgreSQL's listening connection
    lost), `on_live(True)` once it hears them again."""

    def __init__(self, store, on_change: Callable[[], None],
                 on_live: Callable[[bool], None] = lambda _live: None) -> None:
        self.store = store
        self.on_change = on_change
        self.on_live = on_live
        self._task: asyncio.Task | None = None
        self._pg: asyncpg.Connection | None = None
        self._sqlite: aiosqlite.Connection | None = None
        self._stopping = False

    async def start(self) -> ChangeWatcher:
        if self.store.target.is_sqlite:
            import aiosqlite

            # Its own connection, outside the pool: data_version is per connection.
            self._sqlite = await aiosqlite.connect(self.store.target.location)
            self._task = asyncio.create_task(self._poll_sqlite(self._sqlite),
                                             name="linkdesk-changes")
        else:
            await self._listen()
        return self

    async def _listen(self) -> None:
        import asyncpg

        self._pg = connection = await asyncpg.connect(self.store.target.location, timeout=5)
        await connection.add_listener("linkdesk_changes", self._notified)
        connection.add_termination_listener(self._lost)

    def _notified(self, *_args) -> None:
        self.on_change()

    def _lost(self, _connection) -> None:
        """The listening connection is gone: open it again, unless we are stopping."""
        if self._stopping or (self._task is not None and not self._task.done()):
            return
        log.warning("change listener lost its connection; opening it again")
        self.on_live(False)
        self._task = asyncio.create_task(self._reconnect(), name="linkdesk-changes-reconnect")

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._stopping:
            await asyncio.sleep(RECONNECT_WAITS_S[min(attempt, len(RECONNECT_WAITS_S) - 1)])
            attempt += 1
            try:
                await self._listen()
            except Exception as exc:  # the server is not back yet: again, a little later
                log.debug("change listener: not back yet (%s)", exc)
                continue
            log.warning("change listener connected again after %d tries", attempt)
            self.on_live(True)
            self.on_change()  # what changed meanwhile was not heard: look again
            return

    async def _poll_sqlite(self, connection: aiosqlite.Connection) -> None:
        last = last_version = None
        while True:
            try:
                async with connection.execute("PRAGMA data_version") as cursor:
                    version = await _first(cursor)
                if version != last_version:
                    # Something was committed; was it something a screen shows?
                    async with connection.execute(
                            "SELECT n FROM change_clock WHERE id = 1") as cursor:
                        clock = await _first(cursor)
                    if last is not None and clock != last:
                        self.on_change()
                    last, last_version = clock, version
            except Exception:  # a locked or busy moment: look again next time
                log.debug("data_version check failed", exc_info=True)
            await asyncio.sleep(POLL_S)

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pg is not None and not self._pg.is_closed():
            await self._pg.close()
        if self._sqlite is not None:
            await self._sqlite.close()


async def _first(cursor) -> object:
    """The first column of the one row a pragma or the change clock's row gives."""
    row = await cursor.fetchone()
    return row[0] if row is not None else None
