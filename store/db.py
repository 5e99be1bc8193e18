"""Turning a database URL into an async Peewee database with the settings we rely on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from playhouse.pwasyncio import AsyncPostgresqlDatabase, AsyncSqliteDatabase

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("busy_timeout", 5000),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
)


class DatabaseUrlError(ValueError):
    """The database URL given by a person cannot be used; the message says why."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the data lives: an SQLite file path or a PostgreSQL DSN."""

    backend: str  # "sqlite" or "postgresql"
    location: str

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"


def parse_database_url(url: str) -> DatabaseTarget:
    """Read `--db` / LINKDESK_DB: a file path, `sqlite:///PATH` or `postgresql://...`."""
    value = (url or "").strip()
    if not value:
        raise DatabaseUrlError("the database URL is empty")
    lowered = value.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(value)
        if not parts.hostname and not parts.path.strip("/"):
            raise DatabaseUrlError(f"no host or database in {value!r}")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise DatabaseUrlError(f"bad port in {value!r}") from exc
        return DatabaseTarget("postgresql", value)
    if lowered.startswith("sqlite://"):
        path = value[len("sqlite://") :]
        if not path.startswith("/"):
            raise DatabaseUrlError(f"expected sqlite:///PATH, got {value!r}")
        path = path[1:] if path.startswith("//") else path
        if not path or path.endswith("/"):
            raise DatabaseUrlError(f"no file name in {value!r}")
        return DatabaseTarget("sqlite", path)
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise DatabaseUrlError(
            f"unsupported database scheme {scheme!r} (use a file path, sqlite:/// or postgresql://)"
        )
    return DatabaseTarget("sqlite", value)


def open_database(target: DatabaseTarget, pool_size: int = 4):
    """Create (without connecting) the async database for `target`.

    The app keeps a few connections so a page, a count and a write can run side by side; a
    one-shot command needs one.
    """
    if target.is_sqlite:
        path = Path(target.location).expanduser()
        if path.is_dir():
            raise DatabaseUrlError(f"{path} is a directory, not a database file")
        path.parent.mkdir(parents=True, exist_ok=True)
        return AsyncSqliteDatabase(
            str(path), pragmas=SQLITE_PRAGMAS, timeout=5, pool_size=pool_size, acquire_timeout=10
        )
    return AsyncPostgresqlDatabase(
        target.location, pool_size=pool_size, pool_min_size=1, acquire_timeout=5
    )
