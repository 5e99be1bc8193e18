"""A busy database is waited for, and whoever shows the store is told while it is.

SQLite lets one writer at a time hold its lock. Another process (a colleague's import, the
firm's service) may hold it for a while; SQLite's own busy handler would block a connection for
its whole timeout and then fail with "database is locked". Here the busy handler is kept short
and the store retries, telling its listeners that it is waiting, until the lock is free or a
long limit passes; only then does the caller get `StoreBusyError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator

# SQLite's own busy handler sleeps in growing steps (up to 100 ms at a time), so a writer
# waiting on another process's short transaction overslept it by tens of milliseconds. Its
# wait is kept to a few milliseconds, and the store's retry starts small and grows.
SQLITE_BUSY_MS = 10  # SQLite's own wait before it hands the retry back to us
RETRY_FIRST_S = 0.002
RETRY_S = 0.05  # the longest wait between two tries
GIVE_UP_S = 300.0  # five minutes of a held lock: say so instead of waiting for ever
# PostgreSQL has no "busy" error: a statement behind another connection's lock simply waits.
# One that has not answered after this long is counted as waiting for the database.
SLOW_S = 0.5
_watching: contextvars.ContextVar[bool] = contextvars.ContextVar("linkdesk_busy_watching",
                                                                 default=False)


class StoreBusyError(RuntimeError):
    """Another program kept the database busy for longer than we wait."""


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` says the database is locked by another writer (and a retry may succeed)."""
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


class BusyWaits:
    """Counts the store operations waiting for the database; listeners hear each change."""

    def __init__(self) -> None:
        self.waiting = 0
        self._listeners: list[Callable[[int], None]] = []

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(waiting)` whenever the count changes; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, delta: int) -> None:
        self.waiting += delta
        for listener in list(self._listeners):
            listener(self.waiting)

    @contextlib.contextmanager
    def watch(self, slow_s: float = SLOW_S) -> Iterator[None]:
        """Count what runs inside as waiting for the database once it has taken `slow_s`
        (a lock another connection holds), until it is done; nested watches count once."""
        if _watching.get():
            yield
            return
        token = _watching.set(True)
        counted = False

        def slow() -> None:
            nonlocal counted
            counted = True
            self._changed(+1)

        handle = asyncio.get_running_loop().call_later(slow_s, slow)
        try:
            yield
        finally:
            handle.cancel()
            _watching.reset(token)
            if counted:
                self._changed(-1)

    async def retry(self, attempt: Callable, *, give_up_s: float = GIVE_UP_S):
        """Await `attempt()` until it does not fail as busy; listeners know while it waits."""
        started: float | None = None
        wait = RETRY_FIRST_S
        try:
            while True:
                try:
                    return await attempt()
                except Exception as exc:
                    if not is_busy(exc):
                        raise
                    now = time.monotonic()
                    if started is None:
                        started = now
                        self._changed(+1)
                    elif now - started > give_up_s:
                        raise StoreBusyError(
                            f"the database stayed locked by another program for "
                            f"{int(now - started)} s") from exc
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_S)
        finally:
            if started is not None:
                self._changed(-1)


def is_store_fault(exc: BaseException) -> bool:
    """Whether `exc` comes from the database (its driver, its file, its server), not a bug."""
    import sqlite3

    import peewee

    from store.store import StoreUnavailableError, StoreWriteFailed

    if isinstance(exc, StoreBusyError | StoreUnavailableError | StoreWriteFailed | sqlite3.Error
                  | ConnectionError
                  | TimeoutError | peewee.DatabaseError | peewee.InterfaceError):
        return True
    import asyncpg

    return isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError)
