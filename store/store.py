"""The Store: one async database, its schema kept current, and the pipeline's operations."""

from __future__ import annotations

import asyncio
import builtins
from contextlib import asynccontextmanager

import peewee
from peewee import TextField

from store import migrations
from store.busy import BusyWaits
from store.db import DatabaseTarget, open_database, parse_database_url
from store.models import SchemaVersion
from store.reads import (  # StoreUnavailableError, utcnow: imported from here too
    Clock,
    StoreReads,
    StoreUnavailableError,
    describe_failure,
    utcnow,
)


def _rolled_back_already(error: BaseException) -> bool:
    """SQLite ended the transaction itself (a full disk, an I/O error): the ROLLBACK after it
    finds nothing to do; what counts is the error that made SQLite roll back."""
    return "no transaction is active" in str(error)


class StoreWriteFailed(RuntimeError):
    """SQLite could not commit (a full disk, an I/O error) and rolled the transaction back.

    peewee's own ROLLBACK then fails and, across pwasyncio's greenlets, the COMMIT's error is
    lost: what is known is that nothing of the transaction was written."""


class Store(StoreReads):
    """Holds the database and hands out the pipeline's operations (accounts, clients)."""

    def __init__(self, db, target: DatabaseTarget, clock: Clock = utcnow,
                 region: str = "CA") -> None:
        super().__init__(target, clock, region)
        self.db = db
        self._write_lock = asyncio.Lock()
        self.busy = BusyWaits()  # operations waiting for another program's write lock

    @classmethod
    async def open(
        cls, url: str | DatabaseTarget, *, clock: Clock = utcnow, pool_size: int = 4,
        read_only: bool = False, region: str = "CA",
    ) -> Store:
        """Open the database at `url`, apply pending migrations, and return the store.

        `read_only` (a command that only reads, such as `linkdesk status`): nothing is written,
        nor created beside an SQLite file (see store.db.read_only_uri), and nothing migrated: a
        schema older than this linkdesk's is refused, with what to do."""
        target = url if isinstance(url, DatabaseTarget) else parse_database_url(url)
        db = open_database(target, pool_size, read_only=read_only)
        store = cls(db, target, clock, region)
        try:
            await (store.check_schema() if read_only else store.migrate())
        except (migrations.SchemaTooNewError, StoreUnavailableError):
            await store.close()
            raise
        except Exception as exc:
            await store.close()
            raise StoreUnavailableError(describe_failure(exc)) from exc
        except BaseException:
            # Cancelled while opening (the demo's terminal closed during "Preparing…"): the
            # connection's thread must be done before the caller removes the file, or it
            # makes the file again in the directory being removed.
            await asyncio.shield(store.close())
            raise
        # pwasyncio binds a connection to each task until the task ends; the task that opens
        # the store usually lives as long as the process, so give its connection back.
        await db.aclose()
        return store

    async def release(self) -> None:
        """Give back the connection this task holds (pwasyncio keeps one per task until the
        task ends); long-lived loops call this before they sleep."""
        await self.db.aclose()

    async def scrub(self) -> bool:
        """Make wiped rows unreadable from the files too: on SQLite, checkpoint the WAL and
        truncate it (its older frames still hold a message sent and wiped since). Returns
        whether that was done: a reader still on an older snapshot keeps the WAL (SQLite
        waits for it only as long as its busy timeout, a few milliseconds)."""
        if not self.target.is_sqlite:
            return True
        cursor = await self.db.aexecute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
        return row is None or not row[0]

    async def keep_wal_small(self) -> None:
        """A long writer's own checkpoint between its chunks (SQLite, PASSIVE: it waits for
        nobody). Otherwise whoever commits next after the log passes SQLite's auto-checkpoint
        size pays for copying it: another process's one-row write took 1.8 s during a
        100,000-client import."""
        if self.target.is_sqlite:
            await self.db.aexecute_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def close(self) -> None:
        """Release every connection so the process can exit."""
        await self.db.close_pool()

    @asynccontextmanager
    async def write(self):
        """A write transaction; on SQLite it takes the write lock first (BEGIN IMMEDIATE).

        On SQLite, writers of this process also queue on an asyncio lock first: SQLite's busy
        handler waits by sleeping in growing steps, so letting our own connections collide
        would cost milliseconds per write for nothing. Not reentrant: never nest write().
        """
        if self.target.is_sqlite:
            async with self._write_lock:
                transaction = await self.busy.retry(self._begin_immediate)
                try:
                    yield
                except BaseException as exc:
                    try:
                        handled = await transaction.__aexit__(type(exc), exc, exc.__traceback__)
                    except peewee.OperationalError as failed:
                        if not _rolled_back_already(failed):
                            raise
                        handled = False
                    if not handled:
                        raise
                else:
                    try:
                        await transaction.__aexit__(None, None, None)
                    except peewee.OperationalError as failed:
                        # The COMMIT failed (a full disk) and SQLite rolled back by itself:
                        # peewee's own ROLLBACK then fails and would hide why.
                        if not _rolled_back_already(failed):
                            raise
                        raise StoreWriteFailed(
                            "the change could not be saved (is the disk full?); nothing of it "
                            "was written") from None
        else:
            with self.busy.watch():
                async with self.db.atomic():
                    yield

    async def _begin_immediate(self):
        """BEGIN IMMEDIATE: the write lock now, or a busy error to retry (nothing begun)."""
        transaction = self.db.atomic("IMMEDIATE")
        await transaction.__aenter__()
        return transaction

    async def list(self, query) -> builtins.list:
        if self.target.is_sqlite:
            return await self.db.list(query.bind(self.db))
        with self.busy.watch():  # PostgreSQL waits for locks inside the query: say so
            return await self.db.list(query.bind(self.db))

    async def scalar(self, query):
        if self.target.is_sqlite:
            return await self.db.scalar(query.bind(self.db))
        with self.busy.watch():
            return await self.db.scalar(query.bind(self.db))

    async def execute(self, query):
        if self.target.is_sqlite:
            if not self.db.in_transaction():
                # A statement on its own commits by itself: retried while another program
                # writes.
                return await self.busy.retry(lambda: self.db.aexecute(query))
            return await self.db.aexecute(query)
        with self.busy.watch():
            return await self.db.aexecute(query)

    def names(self, model, *field_names: str) -> tuple[str, builtins.list[str]]:
        """`model`'s table and the columns of `field_names`, quoted, from its own metadata (for
        SQL written by hand where peewee's rendering costs more than the statement)."""
        opening, closing = self.db.quote  # '""' on both backends
        return (f"{opening}{model._meta.table_name}{closing}",
                [f"{opening}{model._meta.fields[name].column_name}{closing}"
                 for name in field_names])

    def statement(self, query) -> tuple[str, builtins.list]:
        """A peewee query as SQL and parameters, for `execute_all`."""
        sql, params = query.bind(self.db).sql()
        return sql, list(params)

    async def execute_all(self, statements: builtins.list[tuple[str, builtins.list]]) -> None:
        """Statements whose results nobody reads, inside the caller's transaction; on SQLite in
        one trip to the database's thread rather than one each (each trip is a hand-over
        between threads that costs more than a short statement)."""
        if not statements:
            return
        if self.target.is_sqlite:
            connection = await self.db.aconnect()
            if hasattr(connection, "execute_all"):
                with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
                    await connection.execute_all(statements)
                return
        with self.busy.watch():
            for sql, params in statements:
                await self.db.aexecute_sql(sql, params)

    async def write_all(self, statements: builtins.list[tuple[str, builtins.list]]) -> None:
        """A write transaction of statements whose results nobody reads. On SQLite it is one
        trip to the database's thread, BEGIN IMMEDIATE and COMMIT included (a record of the
        relay's answers in four trips cost a third more CPU a message than a batch recorded
        at its end; in one, about the same); a busy database is waited for as by `write`."""
        if not statements:
            return
        if self.target.is_sqlite and not self.db.in_transaction():
            async with self._write_lock:
                connection = await self.db.aconnect()
                if hasattr(connection, "transaction_of"):
                    async def attempt() -> bool:
                        with peewee.__exception_wrapper__:  # type: ignore[attr-defined]
                            return await connection.transaction_of(statements)

                    if await self.busy.retry(attempt):
                        return
        async with self.write():
            await self.execute_all(statements)

    async def insert_rows(self, model, rows: builtins.list[dict], *, upsert: tuple = (),
                          returning: tuple[str, ...] = ()) -> builtins.list[tuple]:
        """Insert many rows of `model` (dicts keyed by field name), a few hundred per statement
        (see `insert_statements`). With `returning` field names, the inserted rows' values of
        those fields come back (RETURNING)."""
        returned: builtins.list[tuple] = []
        statements = self.insert_statements(model, rows, upsert=upsert, returning=returning)
        if not returning:
            await self.execute_all(statements)
            return returned
        for sql, params in statements:
            cursor = await self.db.aexecute_sql(sql, params)
            returned += [tuple(r) for r in cursor.fetchall()]
        return returned

    def insert_statements(self, model, rows: builtins.list[dict], *, upsert: tuple = (),
                          returning: tuple[str, ...] = ()
                          ) -> builtins.list[tuple[str, builtins.list]]:
        """The INSERT statements of `insert_rows`, a few hundred rows each, for `execute_all`.

        The SQL is written here rather than by peewee's insert_many: peewee spends about 10 µs
        on every value it renders, which is most of a bulk invitation's time. Values still go
        through each field's db_value and are bound as parameters, never formatted in. With
        `upsert` = (conflict field names, updated field names), a conflicting row is updated
        instead (ON CONFLICT ... DO UPDATE, on both SQLite and PostgreSQL).
        """
        if not rows:
            return []
        names = list(rows[0])
        fields = [model._meta.fields[name] for name in names]
        # Only identifiers from the model's own metadata are put in the text; values are bound.
        opening, closing = self.db.quote  # '""' on both backends

        def quote(name: str) -> str:
            return f"{opening}{name}{closing}"

        def columns(field_names) -> builtins.list[str]:
            return [quote(model._meta.fields[name].column_name) for name in field_names]

        row_sql = "(" + ", ".join([self.db.param] * len(fields)) + ")"
        head = (f"INSERT INTO {quote(model._meta.table_name)} "  # noqa: S608
                f"({', '.join(columns(names))}) VALUES ")
        tail = ""
        if upsert:
            conflict, updated = upsert
            assignments = ", ".join(f"{c} = excluded.{c}" for c in columns(updated))
            tail = f" ON CONFLICT ({', '.join(columns(conflict))}) DO UPDATE SET {assignments}"
        if returning:
            tail += f" RETURNING {', '.join(columns(returning))}"
        # Text goes to the driver as it is; other fields through their db_value (dates, ...).
        convert = [None if type(f) is TextField else f.db_value for f in fields]
        pairs = list(zip(names, convert, strict=True))
        per_statement = max(1, 5000 // len(fields))
        statements = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            params = [row[name] if conv is None or row[name] is None else conv(row[name])
                      for row in chunk for name, conv in pairs]
            statements.append((head + ", ".join([row_sql] * len(chunk)) + tail, params))
        return statements

    async def _current_version(self) -> int | None:
        """The schema version without taking a lock; None when there is no schema yet."""
        try:
            return await self.schema_version()
        except Exception:  # the table is missing (a new database); a real fault recurs below
            return None

    async def migrate(self) -> None:
        """Bring the schema to the latest version, one transaction, one migrator at a time."""
        current = await self._current_version()
        if current is not None:
            migrations.pending(current, self.backend)  # refuses a schema that is too new
            if current == migrations.LATEST:
                return  # the usual start: no write lock taken
        async with self.write():
            if not self.target.is_sqlite:
                await self.db.aexecute_sql("SELECT pg_advisory_xact_lock(7061707)")
            await self.db.aexecute_sql(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
            )
            current = await self.schema_version()
            for version, statements in migrations.pending(current, self.backend):
                for sql in statements:
                    await self.db.aexecute_sql(sql)
                await self.execute(SchemaVersion.insert(version=version))
