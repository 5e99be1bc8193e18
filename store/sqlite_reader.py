"""A quick read of an SQLite database (`linkdesk status`) on the standard library's sqlite3.

The store's parts run their queries through `list` and `scalar` (store.reads); here those run
at once on one read-only sqlite3 connection, through peewee's own synchronous database, so the
queries are the very ones the async Store runs, written once. Without an event loop there is
no asyncio, aiosqlite, greenlet or pwasyncio to import: three quarters of what `status --json`
cost on 100,000 clients.
"""

from __future__ import annotations

import builtins
from collections.abc import Coroutine
from typing import Any, TypeVar

from peewee import SqliteDatabase

from store.reads import Clock, StoreReads, utcnow
from store.target import DatabaseTarget, read_only_uri, sqlite_file

T = TypeVar("T")

# A reader never waits for a writer in WAL mode; SQLite's own handler covers the rare moment
# it must (a log being reset). Nothing here retries, so it may wait longer than the Store's.
BUSY_TIMEOUT_S = 5.0
READ_ONLY_PRAGMAS = (("query_only", 1), ("cache_size", -512))


class SqliteReader(StoreReads):
    """The store's reads on one read-only sqlite3 connection; nothing is written or created,
    the file or beside it (see store.target.read_only_uri)."""

    def __init__(self, target: DatabaseTarget, clock: Clock = utcnow,
                 region: str = "CA") -> None:
        if not target.is_sqlite:
            raise ValueError("SqliteReader reads SQLite files only")
        super().__init__(target, clock, region)
        self._db = SqliteDatabase(read_only_uri(sqlite_file(target)), uri=True,
                                  timeout=BUSY_TIMEOUT_S, pragmas=READ_ONLY_PRAGMAS)

    async def list(self, query) -> builtins.list:
        return list(query.bind(self._db))

    async def scalar(self, query):
        return query.bind(self._db).scalar()

    def close(self) -> None:
        self._db.close()


def answer(reading: Coroutine[Any, Any, T]) -> T:
    """The result of the store's reads on a SqliteReader, with no event loop: they never wait
    for anything (each query answers at once), so the coroutine finishes on its first step."""
    try:
        reading.send(None)
    except StopIteration as done:
        return done.value
    reading.close()
    raise RuntimeError("a read on the SQLite reader waited for an event loop")
