"""Turning a database URL into an async Peewee database with the settings we rely on."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from store.busy import SQLITE_BUSY_MS
from store.target import (  # noqa: F401 - parse_database_url: callers import it from here too
    DatabaseTarget,
    DatabaseUrlError,
    parse_database_url,
    read_only_uri,
    sqlite_file,
)


def _without_asyncpg():
    """pwasyncio imports asyncpg at its top (~15 ms and ~4 MiB) though it uses it only to open a
    PostgreSQL pool: it is imported here without it, and given it when PostgreSQL is opened
    (`_postgresql_driver`); on SQLite, asyncpg is never loaded."""
    if "asyncpg" in sys.modules:
        return contextlib.nullcontext()
    return _blocked("asyncpg")


@contextlib.contextmanager
def _blocked(name: str):
    sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        yield
    finally:
        if sys.modules.get(name, ...) is None:
            del sys.modules[name]


with _without_asyncpg():
    from playhouse import pwasyncio

AsyncPostgresqlDatabase = pwasyncio.AsyncPostgresqlDatabase
CursorAdapter = pwasyncio.CursorAdapter

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("busy_timeout", SQLITE_BUSY_MS),  # then the store retries, saying it waits (store.busy)
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    ("secure_delete", 1),  # a wiped message (its link) is zeroed, not left in free pages
    # 512 KiB of page cache per connection, not 2 MiB: the app keeps 8 and each fills its own
    # (~14 MiB after paging and searching 100,000 clients); the OS caches the file anyway.
    ("cache_size", -512),
)


# A command that only reads: no journal mode to set (the file says WAL already), and any write
# is refused by SQLite itself.
SQLITE_READ_ONLY_PRAGMAS = (
    ("busy_timeout", SQLITE_BUSY_MS),
    ("query_only", 1),
    ("cache_size", -512),
)


def _run_statement(connection, sql: str, params) -> tuple:
    """In aiosqlite's thread: the statement, its rows, and what peewee reads of the cursor."""
    cursor = connection._conn.execute(sql, params)
    try:
        return cursor.fetchall(), cursor.lastrowid, cursor.rowcount, cursor.description
    finally:
        cursor.close()


def _run_statements(connection, statements) -> None:
    """In aiosqlite's thread: statements whose results nobody reads, one after another."""
    for sql, params in statements:
        connection._conn.execute(sql, params).close()


def _run_transaction(connection, statements) -> None:
    """In aiosqlite's thread: BEGIN IMMEDIATE, the statements, COMMIT; rolled back on error."""
    raw = connection._conn
    raw.execute("BEGIN IMMEDIATE").close()  # busy: nothing begun, the caller tries again
    try:
        _run_statements(connection, statements)
        raw.execute("COMMIT").close()
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK").close()
        raise


class OneTripConnection(pwasyncio.AsyncSqliteConnection):
    """Each statement, its fetch and its close in one trip to aiosqlite's thread.

    pwasyncio makes three (execute, fetchall, close), each a hand-over between threads that
    costs more than the statement itself: a transaction of six statements took 18 of them.
    Uses aiosqlite's `_execute` (queue a function for its thread), as pwasyncio itself reads
    aiosqlite's private state; without it, pwasyncio's way is kept.
    """

    async def _execute(self, sql, params=None):
        connection = self.conn
        if not hasattr(connection, "_execute"):
            return await super()._execute(sql, params)
        rows, lastrowid, rowcount, description = await connection._execute(
            _run_statement, connection, sql, params or ())
        return CursorAdapter(rows, lastrowid=lastrowid, rowcount=rowcount,
                             description=description)

    async def execute_all(self, statements: list[tuple[str, list]]) -> None:
        """Several statements, their results unread, in one trip to aiosqlite's thread (a
        record of the relay's answers made seven trips, most of its cost on a busy machine)."""
        connection = self.conn
        await self._acquire_lock()
        try:
            if not hasattr(connection, "_execute"):
                for sql, params in statements:
                    await super()._execute(sql, params)
                return
            await connection._execute(_run_statements, connection, statements)
        finally:
            self._lock.release()

    async def transaction_of(self, statements: list[tuple[str, list]]) -> bool:
        """A write transaction of statements, their results unread, in one trip (BEGIN
        IMMEDIATE and COMMIT included); False: not this way (no aiosqlite `_execute`)."""
        connection = self.conn
        if not hasattr(connection, "_execute"):
            return False
        await self._acquire_lock()
        try:
            await connection._execute(_run_transaction, connection, statements)
        finally:
            self._lock.release()
        return True


class _Pool(pwasyncio.AsyncSqlitePool):
    async def _create_connection(self):
        wrapper = await super()._create_connection()
        return OneTripConnection(wrapper.conn)


class SqliteDatabase(pwasyncio.AsyncSqliteDatabase):
    """pwasyncio's SQLite database, closing the connections a failed open leaves behind.

    When a new connection's pragmas fail (a file that is not a database, a truncated one),
    pwasyncio drops that aiosqlite connection without closing it, and the pool's earlier
    connections with it; each keeps a non-daemon thread, so the process never exits.
    """

    async def _create_pool_async(self):
        pool = _Pool(self.database, pool_size=self._pool_size,
                     on_connect=self._add_conn_hooks, timeout=self._timeout, **self.connect_params)
        try:
            return await pool.initialize()
        except BaseException:
            await pool.close()
            raise

    async def _add_conn_hooks(self, conn):
        try:
            await super()._add_conn_hooks(conn)
        except BaseException:
            await conn.close()
            raise


def make_private(path: Path) -> None:
    """Create the database file readable by this user only (0600 in a 0700 directory made
    here), whatever the umask; SQLite gives its -wal and -shm files the same mode. A file
    made by an older version with looser modes is tightened."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise DatabaseUrlError(f"{path}: {exc.strerror or exc}") from None
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(OSError):  # not ours, or gone: leave it
            if part.stat().st_uid == os.getuid() and part.stat().st_mode & 0o077:
                part.chmod(0o600)


def _postgresql_driver() -> None:
    """Give pwasyncio the asyncpg it was imported without (see `_without_asyncpg`)."""
    if pwasyncio.asyncpg is None:
        with contextlib.suppress(ImportError):  # not installed: pwasyncio says so
            import asyncpg

            pwasyncio.asyncpg = asyncpg


def open_database(target: DatabaseTarget, pool_size: int = 4, *, read_only: bool = False):
    """Create (without connecting) the async database for `target`.

    The app keeps a few connections so a page, a count and a write can run side by side; a
    one-shot command needs one. `read_only`: an SQLite file that must exist is read without
    writing anything (see read_only_uri).
    """
    if target.is_sqlite:
        path = sqlite_file(target)
        if read_only:
            return SqliteDatabase(
                read_only_uri(path), pragmas=SQLITE_READ_ONLY_PRAGMAS,
                timeout=SQLITE_BUSY_MS / 1000, pool_size=pool_size, acquire_timeout=10,
                uri=True)
        make_private(path)
        return SqliteDatabase(
            str(path), pragmas=SQLITE_PRAGMAS, timeout=SQLITE_BUSY_MS / 1000,
            pool_size=pool_size, acquire_timeout=10,
        )
    _postgresql_driver()
    return AsyncPostgresqlDatabase(
        target.location, pool_size=pool_size, pool_min_size=1, acquire_timeout=5
    )
